/**
 * DPU Cluster Config: a join token in the DPU cluster, the DPU's node Ready
 * there, and its labels applied. Undone by removing the node and its tokens.
 */
import type { DpuClusterInput } from '../../../activities/kube/dpu-cluster';
import { patched } from '@temporalio/workflow';
import type { DpuSpec } from '../../../model/dpu';
import { dpuClusterNodeName } from '../../../model/dpu-cluster-node';
import { Phase } from '../../../model/phases';
import type { UndoablePhase } from '../context';
import { kubeCalls, kubeWaits } from '../proxies';
import { skippedWithoutCluster } from './skipped-without-cluster';

/** Marker: the DPU's node in the DPU cluster is `<dpu>.<namespace>` (runs without it use the DPU name). */
export const DPU_CLUSTER_NODE_NAMESPACED = 'dpu-cluster-node-namespaced';

/**
 * The DPU cluster and node name of a DPU that names a DPUCluster. The node
 * name cannot collide across namespaces (model/dpu-cluster-node.ts); runs
 * started before that keep the bare DPU name for their whole life.
 */
export function clusterInputOf(spec: DpuSpec): DpuClusterInput | undefined {
  const k = spec.kube;
  if (!k?.cluster) return undefined;
  const dpuNode = patched(DPU_CLUSTER_NODE_NAMESPACED)
    ? dpuClusterNodeName(k.ref.namespace, spec.name)
    : spec.name;
  return { cluster: { namespace: k.ref.namespace, name: k.cluster.name }, dpuNode };
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
    // The token the flashed bf.cfg carries (OS Installing); without one (older runs, or no flash) one is made here.
    const tokenId = ctx.learnt.joinTokenId ?? (await kubeCalls.createJoinToken(input)).tokenId;
    ctx.undo.add(dpuClusterConfig.undo(ctx));
    ctx.book.waitFor(
      `DPU ${spec.name} to join DPUCluster ${k.cluster.name} as Ready node ${input.dpuNode} (token ${tokenId})`,
    );
    await kubeWaits(timeoutSeconds).awaitDpuNodeReady({ ...input, timeoutSeconds, tokenId });
    ctx.book.waitFor(undefined);
    await kubeCalls.labelDpuNode({ ...input, hostNode: spec.node, labels: k.cluster.nodeLabels ?? {} });
    return { done: `node ${input.dpuNode} Ready in DPUCluster ${k.cluster.name}, labelled` };
  },
  undo({ spec, kube = kubeCalls }) {
    const input = clusterInputOf(spec);
    if (!input) return undefined;
    return {
      describe: `remove node ${input.dpuNode} from DPUCluster ${input.cluster.name}`,
      run: async () => {
        await kube.removeDpuFromCluster(input);
      },
    };
  },
};
