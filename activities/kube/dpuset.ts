/**
 * What a DPUSet rollout reads and writes: the set's DPUs and their health,
 * one DPU's spec moved to the new template, the wait for it to settle, and
 * the set's rollout status. One job per file (dpuset-*.ts).
 */
import type { Kube } from '../../platform/kube/client';
import { readHealthActivity } from './dpuset-health';
import { reportDpuSetActivity } from './dpuset-report';
import { awaitSettledActivity } from './dpuset-settle';
import { updateToTemplateActivity } from './dpuset-update';
import { reportDpuDeploymentActivity } from './dpu-deployment-report';
import { dpuDeploymentServicesActivity } from './dpu-deployment-services';
import { dpuDeploymentTeardownActivity } from './dpu-deployment-teardown';
import { dpuClusterOf } from './dpu-cluster-client';

export function dpusetActivities(kube: () => Kube) {
  return {
    ...readHealthActivity(kube),
    ...updateToTemplateActivity(kube),
    ...awaitSettledActivity(kube),
    ...reportDpuSetActivity(kube),
    // A DPUDeployment's workflow drives the same per-DPU update, and reports on its deployment.
    ...reportDpuDeploymentActivity(kube),
    ...dpuDeploymentServicesActivity(kube, dpuClusterOf(kube)),
    ...dpuDeploymentTeardownActivity(kube),
  };
}

export { isDpuReady, type DpuHealth } from './dpuset-health';
export type { DpuSetReport } from './dpuset-report';
export type { DpuDeploymentReport } from './dpu-deployment-report';
export type { DpuServicesInput, DpuServicesResult } from './dpu-deployment-services';
export type { TeardownLeft, TeardownStage } from './dpu-deployment-teardown';
