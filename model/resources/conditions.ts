/** metav1.Condition bookkeeping: a transition time changes only when the status does. */
import type { KubeCondition } from './common';

export function setCondition(
  list: KubeCondition[] | undefined,
  cond: Omit<KubeCondition, 'lastTransitionTime'>,
  now: string,
): KubeCondition[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((c) => c.type === cond.type);
  const lastTransitionTime = i >= 0 && out[i].status === cond.status ? out[i].lastTransitionTime : now;
  const next = { ...cond, lastTransitionTime };
  if (i >= 0) out[i] = next;
  else out.push(next);
  return out;
}

export function conditionOf(list: KubeCondition[] | undefined, type: string): KubeCondition | undefined {
  return list?.find((c) => c.type === type);
}
