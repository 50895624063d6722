/** Every workflow the control worker runs (the bundle's entry point). */
export { provisionDpu } from './provision-dpu/provision-dpu';
export { dpuLifecycle } from './dpu-lifecycle/dpu-lifecycle';
export { updateDpu } from './dpu-lifecycle/update-dpu';
export { deleteDpu } from './dpu-lifecycle/delete-dpu';
export { dpusetRollout } from './dpuset-rollout/dpuset-rollout';
export { rolloutDpu } from './dpuset-rollout/rollout-dpu';
export { vfLease } from './vf-lease';
export { vmClaim } from './vm-claim';
export { serviceChain } from './service-chain';
export { serviceCredential } from './credential-request/credential-request';
export { dpuService } from './dpu-service/dpu-service';
