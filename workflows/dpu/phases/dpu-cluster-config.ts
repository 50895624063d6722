/**
 * DPU Cluster Config: a join token in the DPU cluster, the DPU's node Ready
 * there, and its labels applied. Undone by removing the node and its tokens.
 */
import type { DpuClusterInput } from '../../../activities/kube/dpu-cluster';
import type { DpuSpec } from '../../../model/dpu';
import { Phase } from '../../../model/phases';
import type { UndoablePhase } from '../context';
import { kubeCalls, kubeWaits } from '../proxies';
import { skippedWithoutCluster } from './skipped-without-cluster';

function clusterInputOf(spec: DpuSpec): DpuClusterInput | undefined {
  const k = spec.kube;
  return k?.cluster
    ? { cluster: { namespace: k.ref.namespace, name: k.cluster.name }, dpuNode: spec.name }
    : undefined;
}

export const dpuClusterConfig: UndoablePhase = {
  phase: Phase.DpuClusterConfig,
  async run(ctx) {
    const { spec } = ctx;
    const k = spec.kube;
    const input = clusterInputOf(spec);
    if (!k?.cluster || !input)
      return k ? { skipped: 'skipped: the DPU names no DPUCluster' } : skippedWithoutCluster();
    const timeoutSeconds = k.readyTimeoutSeconds ?? 600;
    const { tokenId } = await kubeCalls.createJoinToken(input);
    ctx.undo.add(dpuClusterConfig.undo(ctx));
    ctx.book.waitFor(
      `DPU ${spec.name} to join DPUCluster ${k.cluster.name} as a Ready node (token ${tokenId})`,
    );
    await kubeWaits(timeoutSeconds).awaitDpuNodeReady({ ...input, timeoutSeconds });
    ctx.book.waitFor(undefined);
    await kubeCalls.labelDpuNode({ ...input, hostNode: spec.node, labels: k.cluster.nodeLabels ?? {} });
    return { done: `node ${spec.name} Ready in DPUCluster ${k.cluster.name}, labelled` };
  },
  undo({ spec }) {
    const input = clusterInputOf(spec);
    if (!input) return undefined;
    return {
      describe: `remove ${spec.name} from DPUCluster ${input.cluster.name}`,
      run: async () => {
        await kubeCalls.removeDpuFromCluster(input);
      },
    };
  },
};
