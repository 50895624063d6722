/** `awaitDpuNodeReady`: waits until the DPU is a Ready node of its DPU cluster. */
import { waitUntil } from '../wait-until';
import type { DpuClusterInput, DpuClusterOf } from './dpu-cluster-client';
import { KubeFailureType } from './failures';

export function nodeReadyActivity(dpuCluster: DpuClusterOf) {
  return {
    async awaitDpuNodeReady(input: DpuClusterInput & { timeoutSeconds: number }): Promise<void> {
      const k = await dpuCluster(input.cluster);
      await waitUntil({
        what: `DPU ${input.dpuNode} to be a Ready node of DPUCluster ${input.cluster.name}`,
        timeoutSeconds: input.timeoutSeconds,
        failureType: KubeFailureType.DpuNodeNotReady,
        hint: "check the DPU's kubelet and its join token",
        look: async () => {
          const node = await k.getNode(input.dpuNode);
          const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
          if (ready?.status === 'True') return { done: undefined };
          const seen = node ? `node present, Ready=${ready?.status ?? 'Unknown'}` : 'node not joined yet';
          return { seen, details: { node: input.dpuNode } };
        },
      });
    },
  };
}
