export { startPrivateOvs, ovsUnavailable } from './ovs';
export type { PrivateOvs } from './ovs';
