/**
 * UpdateService.SimpleUpdate (DMTF UpdateService.v1): POST ImageURI, TransferProtocol and Targets to
 * the action target the UpdateService advertises; the BMC answers 202 Accepted with the task monitor in
 * Location and the Task in the body. On a BlueField BMC the DPU_OS target is the rshim, and ImageURI
 * is the BFB (with bf.cfg): NVIDIA/doca-platform
 * internal/provisioning/controllers/dpu/state/redfish/client/client.go
 * @49194c120b311de2a60dc05961b8bc1390df4a04 (InstallBFB: TransferProtocol "HTTP", ImageURI,
 * Targets ["redfish/v1/UpdateService/FirmwareInventory/DPU_OS"], 202 Accepted with the Task's Id).
 */
import { errorMessages } from './answer-errors';
import { answerError } from './answer-errors';
import { type BmcConnection, pathOf } from './bmc-connection';
import { describeMessages, RedfishError } from './errors';
import { linkOf } from './navigation';
import type { ServiceRoot, TaskRef, UpdateService } from './types';
import { anotherUpdateInProgress, updateFailureKind } from './update-failure';

export interface SimpleUpdateRequest {
  imageUri: string;
  /** Default: the ImageURI's scheme (HTTP, HTTPS), as DPF sends it. */
  transferProtocol?: string;
  targets?: string[];
}

export async function simpleUpdate(
  conn: BmcConnection,
  root: ServiceRoot,
  req: SimpleUpdateRequest,
): Promise<TaskRef> {
  const updateService = await conn.getJson<UpdateService>(
    linkOf(conn, root, 'UpdateService', 'to update the DPU'),
    'reading the UpdateService',
  );
  const action = updateService.Actions?.['#UpdateService.SimpleUpdate'];
  if (!action?.target)
    throw new RedfishError(
      'Protocol',
      `BMC ${conn.origin}: ${updateService['@odata.id']} offers no #UpdateService.SimpleUpdate action: this BMC cannot install images by URI; update its firmware`,
      { bmc: conn.origin, resource: updateService['@odata.id'] },
    );
  const target = action.target;
  const protocol = req.transferProtocol ?? schemeOf(req.imageUri);
  const allowed = action['TransferProtocol@Redfish.AllowableValues'];
  if (allowed && !allowed.includes(protocol))
    throw new RedfishError(
      'UpdateRejected',
      `BMC ${conn.origin} does not fetch images over ${protocol} (it allows ${allowed.join(', ')}) for ${req.imageUri}: serve the image over one of those`,
      { bmc: conn.origin, resource: target },
    );
  const body: Record<string, unknown> = { ImageURI: req.imageUri, TransferProtocol: protocol };
  if (req.targets) body.Targets = req.targets;
  const res = await conn.send({ method: 'POST', path: target, body });
  if (res.status === 202 || res.status === 200 || res.status === 201) {
    const location = res.headers.location;
    const monitor = typeof location === 'string' ? pathOf(location) : undefined;
    const task = (res.json as { '@odata.id'?: string } | undefined)?.['@odata.id'] ?? monitor;
    if (!task)
      throw new RedfishError(
        'Protocol',
        `BMC ${conn.origin} accepted the update of ${req.imageUri} (${res.status}) without a task (no Location, no Task body): ` +
          `follow it through the firmware inventory; check the BMC's firmware`,
        { bmc: conn.origin, resource: target, status: res.status },
      );
    return { task: pathOf(task), monitor, imageUri: req.imageUri };
  }
  const messages = errorMessages(res);
  if (anotherUpdateInProgress(messages))
    throw new RedfishError(
      'Unavailable',
      `BMC ${conn.origin} is running another update (${res.status}: ${describeMessages(messages)}) and refused ${req.imageUri}: ` +
        `findUpdateTask finds it if it is this image; otherwise wait for it to end and retry`,
      { bmc: conn.origin, resource: target, status: res.status, messages },
    );
  if ([401, 403, 404, 429, 503].includes(res.status))
    throw answerError(conn.origin, 'POST', target, res, `SimpleUpdate of ${req.imageUri}`);
  const kind = updateFailureKind(messages, 'UpdateRejected');
  throw new RedfishError(
    kind,
    `BMC ${conn.origin} refused the SimpleUpdate of ${req.imageUri} at ${target} (${res.status}: ${describeMessages(messages) || 'no message'}): ` +
      (kind === 'ImageFetchFailed'
        ? 'check that the BMC can reach the image URL'
        : "check the image URL, transfer protocol and targets, and the BMC's logs (Managers → LogServices)"),
    { bmc: conn.origin, resource: target, status: res.status, messages },
  );
}

function schemeOf(uri: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  return m ? m[1].toUpperCase() : 'HTTP';
}
