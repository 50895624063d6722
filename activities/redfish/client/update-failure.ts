/**
 * Which failure an update's messages say: the BMC could not fetch the image, or refused the image /
 * request, by DMTF message registry ids (Update 1.x registry: TransferFailed, VerificationFailed,
 * ApplyFailed, ActivateFailed, UpdateNotApplicable; Base 1.x: CouldNotEstablishConnection,
 * ResourceAtUriUnauthorized, SourceDoesNotSupportProtocol, ResourceAtUriInUnknownFormat,
 * ActionParameterValueFormatError). Ids are compared without their registry version
 * (`Update.1.0.TransferFailed` and `Update.1.2.TransferFailed` are the same message).
 */
import type { RedfishErrorKind } from './errors';
import type { RedfishMessage } from './types';

const FETCH = new Set([
  'TransferFailed',
  'CouldNotEstablishConnection',
  'ResourceAtUriUnauthorized',
  'SourceDoesNotSupportProtocol',
]);
const REJECT = new Set([
  'VerificationFailed',
  'ApplyFailed',
  'ActivateFailed',
  'UpdateNotApplicable',
  'ResourceAtUriInUnknownFormat',
  'ActionParameterValueFormatError',
  'ActionParameterValueNotInList',
  'ActionParameterMissing',
]);
/** A BMC busy with another update (DPF's BlueField BMC mock answers 400 "Another update is in progress"). */
const BUSY = new Set(['UpdateInProgress']);

/** The last dot-separated part of a MessageId: `Update.1.0.TransferFailed` → `TransferFailed`. */
export function messageKey(m: RedfishMessage): string {
  return (m.MessageId ?? '').split('.').pop() ?? '';
}

export function updateFailureKind(
  messages: readonly RedfishMessage[],
  fallback: RedfishErrorKind,
): RedfishErrorKind {
  if (messages.some((m) => FETCH.has(messageKey(m)))) return 'ImageFetchFailed';
  if (messages.some((m) => REJECT.has(messageKey(m)))) return 'UpdateRejected';
  return fallback;
}

/** Another update holds the BMC (by message id, or the text DPF's mock of the BlueField BMC answers). */
export function anotherUpdateInProgress(messages: readonly RedfishMessage[]): boolean {
  // NVIDIA/doca-platform internal/provisioning/controllers/dpu/state/redfish/mock/redfish.go
  // @1d985ad0550b6fc34a59d6a3ccd242352401ab54 (handleInstallBFB): 400 {"error":{"message":"Another update is in progress"}}
  return messages.some(
    (m) => BUSY.has(messageKey(m)) || /another update is in progress/i.test(m.Message ?? ''),
  );
}
