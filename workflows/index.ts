/** Every workflow the control worker runs (the bundle's entry point). */
export { provisionDpu } from './dpu/provision-dpu';
export { dpuLifecycle } from './dpu/dpu-lifecycle';
export { updateDpu } from './dpu/update-dpu';
export { deleteDpu } from './dpu/delete-dpu';
export { dpusetRollout } from './dpuset/dpuset-rollout';
export { rolloutDpu } from './dpuset/rollout-dpu';
export { vfLease } from './vf-lease';
export { vmClaim } from './vm-claim';
export { serviceChain } from './service-chain';
// Registered as `serviceCredential` (the name in histories, running workflows and the controller's
// signalWithStart): the TypeScript function is `credential`, one name per capability.
export { credential as serviceCredential } from './credential/credential';
export { dpuService } from './dpu-service/dpu-service';
export { dpuDiscovery } from './dpu-discovery/dpu-discovery';
export { dpuCluster } from './dpu-cluster/dpu-cluster';
export { vfClaim } from './vf-claim';
export { dpuDeployment } from './dpu-deployment/dpu-deployment';
