/**
 * A wake-up for a wait on one custom object: a watch on its name, so a wait
 * (waitUntil) looks again as soon as the object changes rather than at its
 * next poll. The polls go on beside it, so a watch that cannot start or that
 * the API server closes costs only that promptness, never the wait.
 */
import type * as k8s from '@kubernetes/client-node';
import { kubeClientModule } from '../../platform/kube/client-module';
import type { Kube } from '../../platform/kube/client';
import { GROUP, Plural, VERSION, type Kind, type ObjectRef } from '../../model/resources/common';

/** Calls `changed` on every event of object `ref`; returns the stop. Closed by the API server, it watches again. */
export function watchObject(kube: Kube, kind: Kind, ref: ObjectRef, changed: () => void): () => void {
  let stopped = false;
  let request: AbortController | undefined;
  const start = async (): Promise<void> => {
    if (stopped) return;
    try {
      request = await new (kubeClientModule().Watch)(kube.kc).watch(
        `/apis/${GROUP}/${VERSION}/namespaces/${ref.namespace}/${Plural[kind]}`,
        { fieldSelector: `metadata.name=${ref.name}` },
        (_type: string, _obj: k8s.KubernetesObject) => changed(),
        // Ended by the API server (its watch timeout) or by stop(): watched again unless stopped, a second on.
        () => {
          if (!stopped) setTimeout(() => void start(), 1000).unref();
        },
      );
      if (stopped) request.abort();
    } catch {
      // The watch could not start (API server restarting, no watch permission): the wait's polls carry on
      // alone, and the next try is a second on.
      if (!stopped) setTimeout(() => void start(), 1000).unref();
    }
  };
  void start();
  return () => {
    stopped = true;
    request?.abort();
  };
}
