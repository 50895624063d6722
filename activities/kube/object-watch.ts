/**
 * A wake-up for a wait on one object (a custom object, a Node, a pod): a
 * watch on its name, so a wait (waitUntil) looks again as soon as the object
 * changes rather than at its next poll. The polls go on beside it, so a watch that cannot start or that
 * the API server closes costs only that promptness, never the wait. What the watch delivered
 * (WatchedObject) spares a look its GET.
 */
import type * as k8s from '@kubernetes/client-node';
import { kubeClientModule } from '../../platform/kube/client-module';
import type { Kube } from '../../platform/kube/client';
import { GROUP, Plural, VERSION, type Kind, type ObjectRef } from '../../model/resources/common';

/** The longest a look trusts a watch alone before it reads the object with a GET. */
export const WATCH_REFRESH_MS = 15_000;

/**
 * An object as its watch last delivered it, for a wait's looks instead of a GET each. A GET still
 * backs it: before the watch has delivered anything, while it cannot start, and once every
 * `refreshMs`, so a watch that stalls without closing costs promptness, never the wait.
 */
export class WatchedObject<T> {
  private latest: { obj: T | undefined } | undefined;
  private failing = false;
  private lastGetAt = 0;
  private events = 0;

  constructor(
    private readonly refreshMs: number = WATCH_REFRESH_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A watch event: ADDED or MODIFIED carry the object, DELETED its end. */
  event(type: string, obj: T): void {
    this.failing = false;
    this.events += 1;
    this.latest = { obj: type === 'DELETED' ? undefined : obj };
  }

  /** The watch could not start: looks GET until it delivers again. */
  watchFailing(): void {
    this.failing = true;
  }

  /** The object to look at: the watch's, or `get()`'s when the watch has none, fails, or is due a refresh. */
  async read(get: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.latest && !this.failing && this.now() - this.lastGetAt < this.refreshMs) return this.latest.obj;
    this.lastGetAt = this.now();
    const before = this.events;
    const obj = await get();
    // An event delivered while the GET was out is kept: the watch delivers every later change too, so
    // it is never behind for long, while a GET answer kept over it could hide the change until the refresh.
    if (this.events !== before) return this.latest!.obj;
    this.latest = { obj };
    return obj;
  }
}

/**
 * A wait's wake-up (waitUntil's `wakeOn`) that also feeds `watched`: each event of `target` is handed
 * to it, then wakes the wait. Closed by the API server, the watch starts again a second on; one that
 * cannot start is said through `report`, and `watched` reads with GETs until the watch delivers again.
 */
export function watchedWake<T>(
  kube: Kube,
  target: WatchTarget,
  watched: WatchedObject<T>,
  report: (message: string) => void,
): (wake: () => void) => () => void {
  return (wake) =>
    watchPath(
      kube,
      target.path,
      { fieldSelector: `metadata.name=${target.name}` },
      target.what,
      (type, obj) => {
        watched.event(type, obj as T);
        wake();
      },
      (message) => {
        watched.watchFailing();
        report(message);
      },
    );
}

/** One object to watch: its collection's API path, its name, and how a report names it. */
export interface WatchTarget {
  path: string;
  name: string;
  what: string;
}

/** A custom object of xpuflow's API group. */
export const objectTarget = (kind: Kind, ref: ObjectRef): WatchTarget => ({
  path: `/apis/${GROUP}/${VERSION}/namespaces/${ref.namespace}/${Plural[kind]}`,
  name: ref.name,
  what: `${kind} ${ref.namespace}/${ref.name}`,
});

/** A Node of a cluster's core API. */
export const nodeTarget = (name: string): WatchTarget => ({
  path: '/api/v1/nodes',
  name,
  what: `node ${name}`,
});

/** A pod of a cluster's core API. */
export const podTarget = (namespace: string, name: string): WatchTarget => ({
  path: `/api/v1/namespaces/${namespace}/pods`,
  name,
  what: `pod ${namespace}/${name}`,
});

/**
 * Calls `event` with each event of the `kind` objects of `namespace` that `selector` picks; returns the
 * stop. Closed by the API server, it watches again a second on; a new watch begins with an ADDED event
 * for every object there (a watch with no resourceVersion). A watch that cannot start is reported
 * through `report` (naming it as `what`), once until a watch starts again, and tried again a second on.
 */
export function watchObjects(
  kube: Kube,
  kind: Kind,
  namespace: string,
  selector: { fieldSelector?: string; labelSelector?: string },
  what: string,
  event: (type: string, obj: k8s.KubernetesObject) => void,
  report: (message: string) => void,
): () => void {
  return watchPath(
    kube,
    `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${Plural[kind]}`,
    selector,
    what,
    event,
    report,
  );
}

function watchPath(
  kube: Kube,
  apiPath: string,
  selector: { fieldSelector?: string; labelSelector?: string },
  what: string,
  event: (type: string, obj: k8s.KubernetesObject) => void,
  report: (message: string) => void,
): () => void {
  let stopped = false;
  let failing = false;
  let request: AbortController | undefined;
  const start = async (): Promise<void> => {
    if (stopped) return;
    try {
      request = await new (kubeClientModule().Watch)(kube.kc).watch(
        apiPath,
        selector,
        event,
        // Ended by the API server (its watch timeout) or by stop(): watched again unless stopped, a second on.
        () => {
          if (!stopped) setTimeout(() => void start(), 1000).unref();
        },
      );
      failing = false;
      if (stopped) request.abort();
    } catch (err) {
      // The watch could not start (API server restarting, no watch permission): a wait's polls carry on
      // alone, and the next try is a second on.
      if (!failing && !stopped)
        report(
          `watch on ${what} could not start (${String(err)}): ` +
            'the wait goes on with its periodic looks alone; grant watch on it to be woken at each change',
        );
      failing = true;
      if (!stopped) setTimeout(() => void start(), 1000).unref();
    }
  };
  void start();
  return () => {
    stopped = true;
    request?.abort();
  };
}
