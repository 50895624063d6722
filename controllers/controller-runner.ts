/**
 * What every controller of this process does the same way, from a
 * declaration: informers (list + watch + cache; a dropped watch restarts)
 * started in order, work queues fed by their events and started only once
 * every informer has synced (reconciling from a partial cache would act on
 * missing objects), keys requeued on a timer where state changes without an
 * event, and a stop that undoes it all.
 *
 * A controller of a kind added after the first release names its CRDs as
 * optional: `helm upgrade` installs no new CRDs, so when one is not served
 * the controller stays off and logs which CRD to apply, instead of stopping
 * every other controller.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Kind } from '../model/resources/common';
import { run, unservedKinds, unservedMessage, type Informer } from './informers';
import { WorkQueue } from './work-queue';

/** An informer the runner starts and stops, with the name its watch log lines use. */
export interface Watched {
  readonly name: string;
  run(log: (line: string) => void, stopped: () => boolean): Promise<void>;
  stop(): Promise<void>;
}

export function watched<T extends k8s.KubernetesObject>(informer: Informer<T>, name: string): Watched {
  return {
    name,
    run: (log, stopped) => run(informer, name, log, stopped),
    stop: () => informer.stop(),
  };
}

/** The keys an informer's events (add, update, delete) queue. */
export interface Trigger {
  subscribe(enqueue: (key: string) => void): void;
}

export function on<T extends k8s.KubernetesObject>(
  informer: Informer<T>,
  keys: (o: T) => Iterable<string>,
): Trigger {
  return {
    subscribe(enqueue) {
      for (const ev of ['add', 'update', 'delete'] as const)
        informer.on(ev, (o) => {
          for (const key of keys(o)) enqueue(key);
        });
    },
  };
}

/** One work queue: its reconcile, what queues its keys, and when keys are queued without an event. */
export interface QueueSpec {
  /** What a key names in the retry log line: `reconcile of <subject> failed (will retry): …`. */
  subject(key: string): string;
  reconcile(key: string): Promise<void>;
  triggers: Trigger[];
  /** Keys queued as soon as the queue starts. */
  initial?: () => Iterable<string>;
  /** Keys queued again every `everyMs` milliseconds: state that changes without an event. */
  requeue?: { everyMs: number; keys(): Iterable<string> };
}

/** `<namespace>/<name>` of an object (the watched namespace when the object names none). */
export function objectKey(namespace: string): (o: k8s.KubernetesObject) => string {
  return (o) => `${o.metadata?.namespace ?? namespace}/${o.metadata?.name}`;
}

/**
 * The usual queue: objects of one kind, keyed `<namespace>/<name>`, queued
 * by their own events and by `also` (other objects that name them).
 */
export function objectQueue<T extends k8s.KubernetesObject>(
  kind: Kind,
  informer: Informer<T>,
  namespace: string,
  reconcile: (namespace: string, name: string) => Promise<void>,
  also: Trigger[] = [],
): QueueSpec {
  const keyOf = objectKey(namespace);
  return {
    subject: (key) => `${kind} ${key}`,
    reconcile: (key) => reconcile(...(key.split('/') as [string, string])),
    triggers: [on(informer, (o) => [keyOf(o)]), ...also],
  };
}

export interface ControllerSpec {
  kc: k8s.KubeConfig;
  namespace: string;
  log: (line: string) => void;
  /** CRDs a cluster may not serve yet: if one is missing, nothing starts and the log says which to apply. */
  optionalCrds?: Kind[];
  /** Started in this order, all before any queue. */
  informers: Watched[];
  queues: QueueSpec[];
  /** Logged once everything runs. */
  runningMessage?: string;
}

export interface ControllerRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function controllerRunner(spec: ControllerSpec): ControllerRunner {
  const { log } = spec;
  let started = false;
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const queues = spec.queues.map((q) => {
    const queue = new WorkQueue(
      (key) => q.reconcile(key),
      (key, err) => log(`reconcile of ${q.subject(key)} failed (will retry): ${(err as Error).message}`),
    );
    for (const t of q.triggers) t.subscribe((key) => queue.add(key));
    return { queue, spec: q };
  });

  return {
    async start() {
      if (spec.optionalCrds?.length) {
        const missing = await unservedKinds(spec.kc, spec.optionalCrds, spec.namespace);
        if (missing.length) {
          log(unservedMessage(missing));
          return;
        }
      }
      started = true;
      for (const inf of spec.informers) await inf.run(log, () => stopped);
      for (const { queue, spec: q } of queues) {
        queue.start();
        for (const key of q.initial?.() ?? []) queue.add(key);
        if (q.requeue) {
          const { everyMs, keys } = q.requeue;
          const timer = setInterval(() => {
            for (const key of keys()) queue.add(key);
          }, everyMs);
          timer.unref();
          timers.push(timer);
        }
      }
      if (spec.runningMessage) log(spec.runningMessage);
    },
    async stop() {
      if (!started) return;
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      for (const { queue } of queues) queue.stop();
      await Promise.all(spec.informers.map((inf) => inf.stop()));
    },
  };
}
