export { vfClaim } from './vf-claim';
