/**
 * Node Effect: what provisioning does to the host node while its DPU is
 * down. Cordon and taint are marked with an annotation naming the DPU, so
 * undoing removes only what xpuflow put there. A drain (drain.ts) cordons
 * first, then evicts.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type * as k8s from '@kubernetes/client-node';
import type { Kube } from '../../platform/kube/client';
import { drain } from './drain';
import { GROUP, type NodeEffect } from '../../model/resources/common';

const CORDONED_BY = `${GROUP}/cordoned-by`;

export interface NodeEffectInput {
  node: string;
  dpu: string;
  effect: NodeEffect;
}

export function nodeEffectActivities(kube: () => Kube) {
  return {
    async applyNodeEffect(input: NodeEffectInput): Promise<string> {
      const { node, effect, dpu } = input;
      const k = kube();
      const n = await k.getNode(node);
      if (!n) {
        throw ApplicationFailure.nonRetryable(
          `node ${node} does not exist in the cluster: check the DPU's spec.nodeName`,
          'NodeNotFound',
        );
      }
      if (effect.noEffect) return `no node effect asked for ${node}`;
      if (effect.taint) {
        const taints = n.spec?.taints ?? [];
        if (!taints.some((t) => t.key === effect.taint!.key && t.effect === effect.taint!.effect)) {
          await k.patchNode(node, {
            spec: {
              taints: [
                ...taints,
                { key: effect.taint.key, value: effect.taint.value, effect: effect.taint.effect },
              ],
            },
          });
        }
        return `tainted ${node} with ${effect.taint.key}:${effect.taint.effect}`;
      }
      // cordon (the default effect) and drain both cordon first
      await cordon(k, n, dpu);
      if (!effect.drain) return `cordoned ${node}`;
      const evicted = await drain(k, node, effect.drain.timeoutSeconds ?? 600);
      return `drained ${node} (${evicted} pods evicted)`;
    },

    async removeNodeEffect(input: NodeEffectInput): Promise<string> {
      const { node, effect, dpu } = input;
      const k = kube();
      const n = await k.getNode(node);
      if (!n || effect.noEffect) return `nothing to undo on ${node}`;
      if (effect.taint) {
        const taints = n.spec?.taints ?? [];
        const left = taints.filter(
          (t) => !(t.key === effect.taint!.key && t.effect === effect.taint!.effect),
        );
        if (left.length !== taints.length) await k.patchNode(node, { spec: { taints: left } });
        return `removed taint ${effect.taint.key} from ${node}`;
      }
      const by = n.metadata?.annotations?.[CORDONED_BY];
      if (by === dpu) {
        await k.patchNode(node, {
          spec: { unschedulable: null },
          metadata: { annotations: { [CORDONED_BY]: null } },
        });
        return `uncordoned ${node}`;
      }
      return by ? `${node} stays cordoned for ${by}` : `${node} was not cordoned by xpuflow`;
    },
  };
}

async function cordon(k: Kube, n: k8s.V1Node, dpu: string): Promise<void> {
  if (n.spec?.unschedulable) return; // someone else's cordon (or ours): leave its owner in place
  await k.patchNode(n.metadata!.name!, {
    spec: { unschedulable: true },
    metadata: { annotations: { [CORDONED_BY]: dpu } },
  });
}
