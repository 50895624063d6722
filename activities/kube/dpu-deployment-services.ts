/**
 * `awaitDpuServices`: a DPUDeployment's "services" step on one DPU. It labels
 * the DPU's node in the DPU cluster with the plan's service revisions (each
 * revision's DPUService runs its chart with a nodeSelector on that label),
 * then waits until, for every service, the DPUService's Argo CD Application
 * in that DPU cluster is Synced and Healthy for the DPUService's current
 * release, with the node Ready and still carrying the label. Argo CD counts
 * a (RollingUpdate) DaemonSet Healthy only when every pod it schedules is
 * updated and available (argoproj/gitops-engine pkg/health/health_daemonset.go
 * @633ea22f0c5793a4b1e68512b58082ab58e7e384: Progressing while
 * UpdatedNumberScheduled or NumberAvailable is below DesiredNumberScheduled),
 * so the pod the label put on this DPU is running and Ready. Fragile spot:
 * right after the label, Argo CD may still report the Healthy it saw before
 * the DaemonSet wanted the new pod. At the timeout the result names the service
 * and the DPU (a result, not a failure: the workflow marks the DPU Failed).
 */
import type { Kube } from '../../platform/kube/client';
import type { ObjectRef } from '../../model/resources/common';
import type { DpuServiceResource } from '../../model/resources/dpu-service';
import { applicationSpec, releaseOf } from '../../model/dpu-service';
import { getApp } from '../argocd/dpu-service/clusters';
import { readApplication } from '../argocd/dpu-service/await-healthy';
import { waitUntil } from '../wait-until';
import type { DpuClusterInput, DpuClusterOf } from './dpu-cluster-client';

export interface DpuServicesInput extends DpuClusterInput {
  /** The DPU object (host cluster), named in messages. */
  dpu: string;
  /** The service revision labels of the plan (label key → revision). */
  labels: Record<string, string>;
  /** Each service of the plan and the DPUService that runs its revision. */
  services: Array<{ service: string; dpuService: string }>;
  timeoutSeconds: number;
  pollSeconds?: number;
}

export interface DpuServicesResult {
  ready: boolean;
  message: string;
}

export function dpuDeploymentServicesActivity(kube: () => Kube, dpuCluster: DpuClusterOf) {
  return {
    async awaitDpuServices(input: DpuServicesInput): Promise<DpuServicesResult> {
      const k = await dpuCluster(input.cluster);
      // A merge patch: the node's other labels (the DPU's own, the deployment's) stay.
      await k.patchNode(input.dpuNode, { metadata: { labels: input.labels } });
      let waitingOn = input.services[0]?.service ?? '';
      return waitUntil<DpuServicesResult>({
        what: `the services ${input.services.map((s) => s.service).join(', ')} to be running on DPU ${input.dpu} (node ${input.dpuNode})`,
        timeoutSeconds: input.timeoutSeconds,
        pollSeconds: input.pollSeconds ?? 1,
        look: async () => {
          const node = await k.getNode(input.dpuNode);
          if (!node) return { seen: `node ${input.dpuNode} is not in DPUCluster ${input.cluster.name}` };
          const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
          const labels = node.metadata?.labels ?? {};
          const unlabelled = Object.entries(input.labels).filter(([key, v]) => labels[key] !== v);
          if (unlabelled.length) {
            // Someone (a rejoin) replaced the node's labels: put them back and look again.
            await k.patchNode(input.dpuNode, { metadata: { labels: input.labels } });
            return { seen: `node ${input.dpuNode} lost ${unlabelled.map(([key]) => key).join(', ')}` };
          }
          if (!ready) return { seen: `node ${input.dpuNode} not Ready` };
          for (const s of input.services) {
            waitingOn = s.service;
            const ref: ObjectRef = { namespace: input.cluster.namespace, name: s.dpuService };
            const svc = await kube().get<DpuServiceResource>('DPUService', ref);
            if (!svc)
              return {
                done: { ready: false, message: `DPUService ${s.dpuService} (service ${s.service}) is gone` },
              };
            const wanted = applicationSpec(releaseOf(svc.spec), svc.spec.namespace, svc.metadata.name);
            const seen = readApplication(input.cluster.name, await getApp(k, ref), wanted);
            if (seen.current && seen.health === 'Degraded')
              return {
                done: {
                  ready: false,
                  message: `service ${s.service} (DPUService ${s.dpuService}) is Degraded on DPU ${input.dpu}${seen.message ? `: ${seen.message}` : ''}`,
                },
              };
            if (!(seen.current && seen.sync === 'Synced' && seen.health === 'Healthy'))
              return {
                seen: `service ${s.service}: Application ${seen.sync}/${seen.health}${seen.current ? '' : ' (not yet for its release)'}`,
                details: { dpu: input.dpu, service: s.service, dpuService: s.dpuService },
              };
          }
          return { done: { ready: true, message: `services running on node ${input.dpuNode}` } };
        },
        onTimeout: (seen) => ({
          ready: false,
          message: `service ${waitingOn} not running on DPU ${input.dpu} within ${input.timeoutSeconds} s (${seen}): check its DPUService's Application in DPUCluster ${input.cluster.name}`,
        }),
      });
    },
  };
}
