/**
 * The rollout benchmark's view of a DPUSet's DPUs: one watch on them
 * (activities/kube/object-watch.ts, watchObjects), not a LIST every quarter
 * second. A LIST of 100 DPU objects four times a second made the benchmark
 * itself one of the kube-apiserver's heaviest clients, in the very run it
 * measures. A watch started with no resourceVersion begins with a synthetic
 * ADDED event for every object that exists, then streams each change
 * (kubernetes/website, content/en/docs/reference/using-api/api-concepts.md
 * @b3e82ac8, "Semantics for watch": Get State and Start at Most Recent), so
 * the count of DPUs down is taken at every change, not sampled. A watch the
 * API server ends is started again and begins again with every DPU; one
 * deleted in between would stay in the view, and no rollout deletes DPUs.
 */
import type * as k8s from '@kubernetes/client-node';
import { isDpuReady } from '../activities/kube';
import { watchObjects } from '../activities/kube/object-watch';
import type { Kube } from '../platform/kube/client';
import { DPUSET_LABEL, type DpuResource } from '../model/resources/common';

/**
 * Resolves once the set has `count` DPUs, every one on `bfb` and Ready, with the
 * most DPUs seen not Ready at once; rejects when one is in Error, or after `timeoutMs`.
 */
export function settleDpuSet(
  kube: Kube,
  namespace: string,
  set: string,
  count: number,
  bfb: string,
  timeoutMs = 30 * 60_000,
): Promise<number> {
  const dpus = new Map<string, DpuResource>();
  let worstDown = 0;
  return new Promise<number>((resolve, reject) => {
    let stop = (): void => undefined;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stop();
      if (err) reject(err);
      else resolve(worstDown);
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `DPUSet ${namespace}/${set}: not ${count} DPUs Ready on ${bfb} within ${timeoutMs / 1000} s ` +
              `(${[...dpus.values()].filter((d) => d.spec.bfb === bfb && isDpuReady(d)).length} are); see the workers' logs`,
          ),
        ),
      timeoutMs,
    );
    const changed = (type: string, obj: k8s.KubernetesObject) => {
      const name = obj.metadata?.name ?? '';
      if (type === 'DELETED') dpus.delete(name);
      else if (type === 'ADDED' || type === 'MODIFIED') dpus.set(name, obj as DpuResource);
      const all = [...dpus.values()];
      worstDown = Math.max(worstDown, all.filter((d) => !isDpuReady(d)).length);
      const failed = all.find((d) => d.status?.phase === 'Error');
      if (failed) finish(new Error(`DPU ${failed.metadata.name} failed: ${failed.status?.message}`));
      else if (all.length === count && all.every((d) => d.spec.bfb === bfb && isDpuReady(d))) finish();
    };
    stop = watchObjects(
      kube,
      'DPU',
      namespace,
      { labelSelector: `${DPUSET_LABEL}=${set}` },
      `the DPUs of DPUSet ${namespace}/${set}`,
      changed,
      (message) => console.warn(message),
    );
  });
}
