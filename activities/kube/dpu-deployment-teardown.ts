/**
 * What a DPUDeployment's workflow removes of what the deployment made: the
 * DPUServices of revisions no DPU runs any more (after a rollout), and, when
 * the deployment is deleted, everything in NVIDIA DPF's order: the
 * DPUServices, the DPUServiceChain and the DPUServiceInterfaces first, then
 * the DPUSets (whose DPUs the DPUSet controller deletes), so the services'
 * own clean-up runs while their DPUs still exist; last, the deployment's
 * finalizer (NVIDIA/doca-platform internal/dpuservice/controllers/
 * dpudeployment_controller.go reconcileDelete
 * @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f). Nothing here relies on
 * Kubernetes' garbage collector.
 */
import type { Kube } from '../../platform/kube/client';
import {
  DPUSET_LABEL,
  refOf,
  type Kind,
  type ObjectMeta,
  type ObjectRef,
} from '../../model/resources/common';
import { DPU_DEPLOYMENT_FINALIZER, DPU_DEPLOYMENT_LABEL } from '../../model/resources/dpu-deployment';
import { releaseFinalizer } from './cluster-clients';

/** The kinds a deployment makes, in the order they go; DPUs are those of its DPUSets. */
export type TeardownStage = 'services' | 'dpusets';
const STAGE_KINDS: Record<TeardownStage, Kind[]> = {
  services: ['DPUService', 'DPUServiceChain', 'DPUServiceInterface'],
  dpusets: ['DPUSet'],
};

export interface TeardownLeft {
  /** What is still there (being deleted or not), by kind, e.g. { DPUService: 1, DPU: 2 }. */
  left: Record<string, number>;
}

type Named = { metadata: ObjectMeta };

export function dpuDeploymentTeardownActivity(kube: () => Kube) {
  const mine = (deployment: ObjectRef, kind: Kind) =>
    kube().list<Named>(kind, deployment.namespace, `${DPU_DEPLOYMENT_LABEL}=${deployment.name}`);
  return {
    /** Deletes the DPUServices of the deployment that are not in `keep`; returns their names. */
    async pruneDeploymentServices(input: { deployment: ObjectRef; keep: string[] }): Promise<string[]> {
      const gone: string[] = [];
      for (const s of await mine(input.deployment, 'DPUService')) {
        if (input.keep.includes(s.metadata.name) || s.metadata.deletionTimestamp) continue;
        await kube().delete('DPUService', refOf(s.metadata));
        gone.push(s.metadata.name);
      }
      return gone;
    },

    /** Deletes what the stage removes (again, harmlessly, on a retry) and counts what is still there. */
    async tearDownDeployment(input: { deployment: ObjectRef; stage: TeardownStage }): Promise<TeardownLeft> {
      const left: Record<string, number> = {};
      for (const kind of STAGE_KINDS[input.stage]) {
        const objs = await mine(input.deployment, kind);
        for (const o of objs) if (!o.metadata.deletionTimestamp) await kube().delete(kind, refOf(o.metadata));
        if (objs.length) left[kind] = objs.length;
      }
      if (input.stage === 'dpusets') {
        // The sets are `<deployment>-<suffix>`; their DPUs keep the set's label until the DPUSet controller's deletion ends.
        const dpus = (await kube().list<Named>('DPU', input.deployment.namespace)).filter((d) =>
          (d.metadata.labels?.[DPUSET_LABEL] ?? '').startsWith(`${input.deployment.name}-`),
        );
        if (dpus.length) left.DPU = dpus.length;
      }
      return { left };
    },

    /** The deployment's finalizer removed: the API server finishes deleting it. */
    async releaseDpuDeployment(deployment: ObjectRef): Promise<void> {
      await releaseFinalizer(kube(), 'DPUDeployment', deployment, DPU_DEPLOYMENT_FINALIZER);
    },
  };
}
