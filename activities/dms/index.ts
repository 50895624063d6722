/**
 * Temporal activities that talk to a DPU's DMS over gNOI (proto/gnoi): install
 * an image (BFB file or in-memory bf.cfg), activate (flash) it, verify the
 * running version, reboot, read the reboot status and wait on it. One job per file, on
 * the options, clients and calls of session.ts.
 *
 * Each is safe to repeat: Install answers Validated at once for a staged
 * version; Activate, given `once`, first finds an activation an earlier
 * attempt got through (Verify, CPU RebootStatus) and sends none; Reboot
 * treats "a reboot is already pending or in progress" (ALREADY_EXISTS) as
 * done. DMS behaviour relied on beyond gNOI: proto/gnoi/README.md. Failures are ApplicationFailures typed by DmsFailureType (failures.ts):
 * retryable for transient trouble, non-retryable for what a retry cannot fix.
 */
import { activateActivity } from './activate';
import { awaitRebootActivity } from './await-reboot';
import { installContentActivity } from './install-content';
import { installFileActivity } from './install-file';
import { rebootActivity } from './reboot';
import { rebootStatusActivity } from './reboot-status';
import { dmsSession, type DmsActivitiesOptions } from './session';
import { verifyActivity } from './verify';

export function createDmsActivities(opts: DmsActivitiesOptions = {}) {
  const session = dmsSession(opts);
  return {
    ...verifyActivity(session),
    ...installFileActivity(session),
    ...installContentActivity(session),
    ...activateActivity(session),
    ...rebootActivity(session),
    ...rebootStatusActivity(session),
    ...awaitRebootActivity(session),
  };
}

export type DmsActivities = ReturnType<typeof createDmsActivities>;
export type { DmsActivitiesOptions, DmsCallInput } from './session';
export type { DmsInstallContentInput } from './install-content';
export type { DmsInstallFileInput } from './install-file';
export type { DmsRebootInput } from './reboot';
export type { DmsRebootStatusInput, DmsRebootStatusResult, RebootStatusValue } from './reboot-status';
export type { DmsActivateInput, DmsActivateResult } from './activate';
export type { DmsAwaitRebootInput, RebootWaitProgress, RebootUnderWayDetails } from './await-reboot';
export type { DmsVerifyResult } from './verify';
export { DmsClients } from './clients';
export { DmsFailureType } from './failures';
export type { InstallStreamResult } from './install-stream';
export type { TransferProgress } from './context';
export { createInstallBfbActivity } from './install-bfb';
export type { DmsInstallBfbInput, DmsInstallBfbResult } from './install-bfb';
