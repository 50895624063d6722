/**
 * Node Effect: cordon, taint or drain the host node while its DPU is down
 * (DPF's node effect). Undone when the DPU is Ready, on Error and on delete.
 */
import type { NodeEffectInput } from '../../../activities/kube';
import type { DpuSpec } from '../../../model/dpu';
import { Phase } from '../../../model/phases';
import type { UndoablePhase } from '../context';
import { kubeCalls, kubeWaits } from '../proxies';
import { skippedWithoutCluster } from './skipped-without-cluster';

/** The effect a DPU asks of its host node (cordon unless it says otherwise). */
export function nodeEffectOf(spec: DpuSpec): NodeEffectInput | undefined {
  const k = spec.kube;
  return k ? { node: spec.node, dpu: spec.name, effect: k.nodeEffect ?? { cordon: true } } : undefined;
}

export const nodeEffect: UndoablePhase = {
  phase: Phase.NodeEffect,
  async run(ctx) {
    const input = nodeEffectOf(ctx.spec);
    if (!input) return skippedWithoutCluster();
    ctx.undo.add(nodeEffect.undo(ctx));
    ctx.nodeEffectApplied = input;
    const drainSeconds = input.effect.drain ? (input.effect.drain.timeoutSeconds ?? 600) : 60;
    return { done: await kubeWaits(drainSeconds).applyNodeEffect(input) };
  },
  undo({ spec, kube = kubeCalls }) {
    const input = nodeEffectOf(spec);
    if (!input) return undefined;
    return {
      describe: `remove the node effect on ${spec.node}`,
      run: async () => {
        await kube.removeNodeEffect(input);
      },
    };
  },
};
