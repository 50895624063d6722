/**
 * The few Kubernetes calls xpuflow makes, behind named helpers: custom
 * resources, status, nodes, pods, events. Merge patches throughout so two
 * writers (controller and workflow) never overwrite each other's fields.
 */
import type * as k8s from '@kubernetes/client-node';
import { kubeClientModule } from './client-module';
import { API_VERSION, GROUP, Plural, VERSION, type Kind, type ObjectRef } from '../../model/resources/common';

/** The Content-Type of a merge patch (made on first use: the client module loads lazily). */
function mergePatch(): k8s.ConfigurationOptions {
  const k = kubeClientModule();
  return k.setHeaderOptions('Content-Type', k.PatchStrategy.MergePatch);
}

/** The Content-Type of a JSON patch. */
export function jsonPatch(): k8s.ConfigurationOptions {
  const k = kubeClientModule();
  return k.setHeaderOptions('Content-Type', k.PatchStrategy.JsonPatch);
}

export class Kube {
  readonly core: k8s.CoreV1Api;
  readonly custom: k8s.CustomObjectsApi;
  readonly policy: k8s.PolicyV1Api;

  constructor(readonly kc: k8s.KubeConfig) {
    const k = kubeClientModule();
    this.core = kc.makeApiClient(k.CoreV1Api);
    this.custom = kc.makeApiClient(k.CustomObjectsApi);
    this.policy = kc.makeApiClient(k.PolicyV1Api);
  }

  async get<T>(kind: Kind, ref: ObjectRef): Promise<T | undefined> {
    return unlessNotFound(async () => (await this.custom.getNamespacedCustomObject(named(kind, ref))) as T);
  }

  async list<T>(kind: Kind, namespace: string, labelSelector?: string): Promise<T[]> {
    const r = (await this.custom.listNamespacedCustomObject({
      ...inNamespace(kind, namespace),
      ...(labelSelector ? { labelSelector } : {}),
    })) as { items: T[] };
    return r.items;
  }

  async create<T>(kind: Kind, namespace: string, body: object): Promise<T> {
    return (await this.custom.createNamespacedCustomObject({
      ...inNamespace(kind, namespace),
      body: { apiVersion: API_VERSION, kind, ...body },
    })) as T;
  }

  async patch<T>(kind: Kind, ref: ObjectRef, body: object): Promise<T> {
    return (await this.custom.patchNamespacedCustomObject(
      {
        ...named(kind, ref),
        body,
      },
      mergePatch(),
    )) as T;
  }

  async patchStatus<T>(kind: Kind, ref: ObjectRef, status: object): Promise<T> {
    return (await this.custom.patchNamespacedCustomObjectStatus(
      {
        ...named(kind, ref),
        body: { status },
      },
      mergePatch(),
    )) as T;
  }

  /** JSON patch with a test on resourceVersion-free paths (finalizers). */
  async jsonPatch<T>(kind: Kind, ref: ObjectRef, ops: object[]): Promise<T> {
    return (await this.custom.patchNamespacedCustomObject(
      {
        ...named(kind, ref),
        body: ops,
      },
      jsonPatch(),
    )) as T;
  }

  async delete(kind: Kind, ref: ObjectRef): Promise<void> {
    await unlessNotFound(() => this.custom.deleteNamespacedCustomObject({ ...named(kind, ref) }));
  }

  async getNode(name: string): Promise<k8s.V1Node | undefined> {
    return unlessNotFound(() => this.core.readNode({ name }));
  }

  async patchNode(name: string, body: object): Promise<k8s.V1Node> {
    return this.core.patchNode({ name, body }, mergePatch());
  }

  async getPod(namespace: string, name: string): Promise<k8s.V1Pod | undefined> {
    return unlessNotFound(() => this.core.readNamespacedPod({ namespace, name }));
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    await unlessNotFound(() => this.core.deleteNamespacedPod({ namespace, name }));
  }

  async getSecret(namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
    return unlessNotFound(() => this.core.readNamespacedSecret({ namespace, name }));
  }

  /** A core/v1 Event about one of our objects. */
  async event(
    involved: { kind: Kind; ref: ObjectRef },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace: involved.ref.namespace,
      body: {
        metadata: { generateName: `${involved.ref.name}.`, namespace: involved.ref.namespace },
        involvedObject: {
          apiVersion: API_VERSION,
          kind: involved.kind,
          name: involved.ref.name,
          namespace: involved.ref.namespace,
          ...(involved.ref.uid ? { uid: involved.ref.uid } : {}),
        },
        type,
        reason,
        message: message.slice(0, 1000),
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        source: { component: 'xpuflow' },
        reportingComponent: 'xpuflow',
        reportingInstance: 'xpuflow',
      },
    });
  }
}

/** Where custom objects of a kind live in a namespace: group, version, namespace, plural. */
function inNamespace(kind: Kind, namespace: string) {
  return { group: GROUP, version: VERSION, namespace, plural: Plural[kind] };
}

/** One custom object: its kind's place and its name. */
function named(kind: Kind, ref: ObjectRef) {
  return { ...inNamespace(kind, ref.namespace), name: ref.name };
}

export function statusCode(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return e?.code ?? e?.statusCode ?? e?.response?.statusCode;
}

export function isNotFound(err: unknown): boolean {
  return statusCode(err) === 404;
}

/** What `call` returns, or undefined when the API server answers 404 (a delete of what is gone, a get of what is not there). */
export async function unlessNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function isConflict(err: unknown): boolean {
  return statusCode(err) === 409;
}

/** The message the API server gave, for errors a person reads. */
export function apiMessage(err: unknown): string {
  const e = err as { body?: unknown; message?: string };
  if (typeof e?.body === 'string') {
    try {
      return (JSON.parse(e.body) as { message?: string }).message ?? e.body;
    } catch {
      return e.body;
    }
  }
  if (e?.body && typeof e.body === 'object' && 'message' in e.body)
    return String((e.body as { message: unknown }).message);
  return e?.message ?? String(err);
}
