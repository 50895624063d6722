export { vfLease, DEFAULT_ATTACH_TIMEOUT_MS } from './vf-lease';
