/**
 * Node Effect: cordon, taint or drain the host node while its DPU is down
 * (DPF's node effect). Undone when the DPU is Ready, on Error and on delete.
 */
import type { FlowContext, PhaseOutcome } from '../context';
import { kube, kubeWait } from '../proxies';
import { skippedWithoutCluster } from './skipped-without-cluster';

export async function nodeEffect(ctx: FlowContext): Promise<PhaseOutcome> {
  const k = ctx.spec.kube;
  if (!k) return skippedWithoutCluster();
  const input = { node: ctx.spec.node, dpu: ctx.spec.name, effect: k.nodeEffect ?? { cordon: true } };
  ctx.undo.add({
    describe: `remove the node effect on ${ctx.spec.node}`,
    run: async () => {
      await kube.removeNodeEffect(input);
    },
  });
  ctx.nodeEffectApplied = input;
  const drainSeconds = input.effect.drain ? (input.effect.drain.timeoutSeconds ?? 600) : 60;
  return { done: await kubeWait(drainSeconds).applyNodeEffect(input) };
}
