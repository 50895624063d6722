export { vmClaim } from './vm-claim';
