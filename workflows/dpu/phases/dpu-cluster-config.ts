/**
 * DPU Cluster Config: a join token in the DPU cluster, the DPU's node Ready
 * there, and its labels applied.
 */
import type { FlowContext, PhaseOutcome } from '../context';
import { kube, kubeWait } from '../proxies';
import { skippedWithoutCluster } from './skipped-without-cluster';

export async function dpuClusterConfig(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec } = ctx;
  const k = spec.kube;
  if (!k?.cluster) return k ? { skipped: 'skipped: the DPU names no DPUCluster' } : skippedWithoutCluster();
  const input = { cluster: { namespace: k.ref.namespace, name: k.cluster.name }, dpuNode: spec.name };
  const timeoutSeconds = k.readyTimeoutSeconds ?? 600;
  const { tokenId } = await kube.createJoinToken(input);
  ctx.undo.add({
    describe: `remove ${spec.name} from DPUCluster ${k.cluster.name}`,
    run: async () => {
      await kube.removeDpuFromCluster(input);
    },
  });
  ctx.book.waitFor(
    `DPU ${spec.name} to join DPUCluster ${k.cluster.name} as a Ready node (token ${tokenId})`,
  );
  await kubeWait(timeoutSeconds).awaitDpuNodeReady({ ...input, timeoutSeconds });
  ctx.book.waitFor(undefined);
  await kube.labelDpuNode({ ...input, hostNode: spec.node, labels: k.cluster.nodeLabels ?? {} });
  return { done: `node ${spec.name} Ready in DPUCluster ${k.cluster.name}, labelled` };
}
