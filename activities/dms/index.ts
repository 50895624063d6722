export {
  createDmsActivities,
  type DmsActivities,
  type DmsActivitiesOptions,
  type DmsCallInput,
  type DmsInstallContentInput,
  type DmsInstallFileInput,
  type DmsRebootInput,
  type DmsRebootStatusResult,
  type DmsVerifyResult,
} from './activities';
export { DmsClients } from './clients';
export { DmsFailureType } from './failures';
export type { InstallStreamResult } from './install-stream';
export type { TransferProgress } from './context';
export { createInstallBfbActivity } from './install-bfb';
export type { DmsInstallBfbInput, DmsInstallBfbResult } from './install-bfb';
