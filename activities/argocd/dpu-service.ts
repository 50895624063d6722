/**
 * A DPUService in its DPU clusters, through Argo CD: the target namespace and
 * mirrored image pull Secrets, one Application per DPU cluster (in its
 * `argocd` namespace), the wait until every Application is Synced and
 * Healthy *for the wanted release*, and deletion. Every activity is
 * idempotent: it reads before it writes, and an Application whose rendered
 * spec hash is unchanged is not written at all (no resync, no pod restarts).
 */
import { dpuClusterClient, hostCluster } from '../kube/cluster-clients';
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import * as k8s from '@kubernetes/client-node';
import { setCondition } from '../../model/resources/conditions';
import { isConflict, isNotFound, Kube } from '../../platform/kube/client';
import {
  ARGO_APPLICATIONS,
  ARGO_GROUP,
  ARGO_NAMESPACE,
  ARGO_RESOURCES_FINALIZER,
  ARGO_VERSION,
  DPUSERVICE_FINALIZER,
  DPUSERVICE_LABEL,
  DPUSERVICE_NAMESPACE_LABEL,
  SPEC_HASH_ANNOTATION,
  type Application,
  type ClusterServiceStatus,
  type DpuServiceResource,
  type DpuServiceStatus,
  type ServiceRelease,
} from '../../model/resources/dpu-service';
import type { KubeCondition, ObjectRef } from '../../model/resources/common';
import { applicationName, applicationSpec, canonical, sameJson } from '../../model/dpu-service';

export interface ClusterTarget {
  service: ObjectRef;
  /** A DPUCluster in the service's namespace. */
  cluster: string;
}

export interface PrepareInput extends ClusterTarget {
  namespace: string;
  imagePullSecrets: string[];
}

export interface ApplyInput extends ClusterTarget {
  namespace: string;
  release: ServiceRelease;
}

export interface AwaitInput {
  service: ObjectRef;
  clusters: string[];
  release: ServiceRelease;
  namespace: string;
  timeoutSeconds: number;
  pollSeconds: number;
}

export interface AwaitResult {
  ok: boolean;
  clusters: ClusterServiceStatus[];
  failed?: { cluster: string; reason: string };
}

export interface DeleteInput {
  service: ObjectRef;
  clusters: string[];
  namespace: string;
  timeoutSeconds: number;
  pollSeconds: number;
}

export interface ServiceReport {
  ref: ObjectRef;
  status: DpuServiceStatus;
  conditions?: Array<Omit<KubeCondition, 'lastTransitionTime'>>;
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
}

const JSON_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

/** A short hash of what we write into an Application: unchanged hash, nothing to write. */
export function applicationHash(
  app: Pick<Application, 'spec'> & { labels?: object; finalizers?: string[] },
): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(app)))
    .digest('hex')
    .slice(0, 16);
}

/** Sync and health of one Application, and whether that status is about the wanted release. */
export function readApplication(
  cluster: string,
  app: Application | undefined,
  wanted: ReturnType<typeof applicationSpec>,
): ClusterServiceStatus & { current: boolean } {
  if (!app) return { cluster, sync: 'Missing', health: 'Missing', revision: '', current: false };
  const st = app.status ?? {};
  const compared = st.sync?.comparedTo?.source;
  const current = !!compared && sameJson(compared, wanted.source) && sameJson(app.spec.source, wanted.source);
  const message = st.health?.message ?? st.operationState?.message;
  return {
    cluster,
    sync: st.sync?.status ?? 'Unknown',
    health: st.health?.status ?? 'Unknown',
    revision: st.sync?.revision ?? st.operationState?.syncResult?.revision ?? '',
    ...(message ? { message } : {}),
    current,
  };
}

export function createDpuServiceActivities(kc: k8s.KubeConfig | undefined) {
  const host = hostCluster(kc);
  const dpuCluster = async (service: ObjectRef, name: string): Promise<Kube> =>
    (
      await dpuClusterClient(
        host(),
        { namespace: service.namespace, name },
        { fixMissing: `create it or remove it from DPUService ${service.name}'s spec.clusters` },
      )
    ).kube;

  const labelsOf = (service: ObjectRef) => ({
    [DPUSERVICE_LABEL]: service.name,
    [DPUSERVICE_NAMESPACE_LABEL]: service.namespace,
  });
  const appRef = (service: ObjectRef) => ({
    group: ARGO_GROUP,
    version: ARGO_VERSION,
    namespace: ARGO_NAMESPACE,
    plural: ARGO_APPLICATIONS,
    name: applicationName(service.namespace, service.name),
  });
  async function getApp(k: Kube, service: ObjectRef): Promise<Application | undefined> {
    try {
      return (await k.custom.getNamespacedCustomObject(appRef(service))) as Application;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
  async function ensureNamespace(k: Kube, name: string): Promise<boolean> {
    try {
      await k.core.readNamespace({ name });
      return false;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await k.core.createNamespace({ body: { metadata: { name } } });
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    return true;
  }

  return {
    /** The target namespace and the mirrored image pull Secrets in one DPU cluster. */
    async dpuServicePrepareCluster(input: PrepareInput): Promise<string[]> {
      const k = await dpuCluster(input.service, input.cluster);
      const did: string[] = [];
      if (await ensureNamespace(k, input.namespace)) did.push(`created namespace ${input.namespace}`);
      for (const name of input.imagePullSecrets) {
        const src = await host().getSecret(input.service.namespace, name);
        if (!src) {
          throw ApplicationFailure.nonRetryable(
            `image pull Secret ${input.service.namespace}/${name} (spec.imagePullSecrets of DPUService ${input.service.name}) does not exist: create it or remove it from the list`,
            'PullSecretNotFound',
          );
        }
        const body: k8s.V1Secret = {
          metadata: { name, namespace: input.namespace, labels: labelsOf(input.service) },
          type: src.type,
          data: src.data ?? {},
        };
        const have = await k.getSecret(input.namespace, name);
        if (!have) {
          try {
            await k.core.createNamespacedSecret({ namespace: input.namespace, body });
            did.push(`mirrored Secret ${name}`);
          } catch (err) {
            if (!isConflict(err)) throw err;
          }
        } else if (!sameJson(have.data ?? {}, src.data ?? {}) || have.type !== src.type) {
          await k.core.replaceNamespacedSecret({
            name,
            namespace: input.namespace,
            body: {
              ...body,
              metadata: { ...body.metadata, resourceVersion: have.metadata?.resourceVersion },
            },
          });
          did.push(`updated mirrored Secret ${name}`);
        }
      }
      return did;
    },

    /** Creates or updates the cluster's Application; writes only when the rendered spec's hash differs. */
    async dpuServiceApply(input: ApplyInput): Promise<{ changed: boolean; hash: string }> {
      const k = await dpuCluster(input.service, input.cluster);
      const name = applicationName(input.service.namespace, input.service.name);
      const spec = applicationSpec(input.release, input.namespace, input.service.name);
      const labels = labelsOf(input.service);
      const finalizers = [ARGO_RESOURCES_FINALIZER];
      const hash = applicationHash({ spec, labels, finalizers });
      await ensureNamespace(k, ARGO_NAMESPACE);
      const have = await getApp(k, input.service);
      if (!have) {
        try {
          await k.custom.createNamespacedCustomObject({
            group: ARGO_GROUP,
            version: ARGO_VERSION,
            namespace: ARGO_NAMESPACE,
            plural: ARGO_APPLICATIONS,
            body: {
              apiVersion: `${ARGO_GROUP}/${ARGO_VERSION}`,
              kind: 'Application',
              metadata: { name, labels, annotations: { [SPEC_HASH_ANNOTATION]: hash }, finalizers },
              spec,
            },
          });
          return { changed: true, hash };
        } catch (err) {
          if (!isConflict(err)) throw err;
          return { changed: false, hash }; // a retry after a lost reply: it is there now
        }
      }
      if (have.metadata.deletionTimestamp) {
        throw ApplicationFailure.retryable(
          `Application ${ARGO_NAMESPACE}/${name} in DPUCluster ${input.cluster} is being deleted; waiting for Argo CD to finish before re-creating it`,
          'ApplicationDeleting',
        );
      }
      if (have.metadata.annotations?.[SPEC_HASH_ANNOTATION] === hash) return { changed: false, hash };
      const ops: object[] = [
        { op: 'test', path: '/metadata/resourceVersion', value: have.metadata.resourceVersion },
        { op: 'replace', path: '/spec', value: spec },
        {
          op: 'add',
          path: '/metadata/annotations',
          value: { ...(have.metadata.annotations ?? {}), [SPEC_HASH_ANNOTATION]: hash },
        },
        { op: 'add', path: '/metadata/labels', value: { ...(have.metadata.labels ?? {}), ...labels } },
        {
          op: 'add',
          path: '/metadata/finalizers',
          value: [...new Set([...(have.metadata.finalizers ?? []), ...finalizers])],
        },
      ];
      await k.custom.patchNamespacedCustomObject({ ...appRef(input.service), body: ops }, JSON_PATCH);
      return { changed: true, hash };
    },

    /**
     * Polls the Applications of some clusters until all are Synced and
     * Healthy for the wanted release (status.sync.comparedTo.source equals
     * what was written, so an old Healthy does not count); returns on the
     * first Degraded or failed sync, or at the timeout. Heartbeats carry
     * each cluster's sync/health.
     */
    async dpuServiceAwaitHealthy(input: AwaitInput): Promise<AwaitResult> {
      const wanted = applicationSpec(input.release, input.namespace, input.service.name);
      const deadline = Date.now() + input.timeoutSeconds * 1000;
      const clients = new Map<string, Kube>();
      for (;;) {
        const seen: Array<ClusterServiceStatus & { current: boolean }> = [];
        for (const cluster of input.clusters) {
          if (!clients.has(cluster)) clients.set(cluster, await dpuCluster(input.service, cluster));
          seen.push(readApplication(cluster, await getApp(clients.get(cluster)!, input.service), wanted));
        }
        const clusters = seen.map(({ current: _c, ...s }) => s);
        Context.current().heartbeat({
          waitingFor: seen
            .filter((s) => !(s.current && s.sync === 'Synced' && s.health === 'Healthy'))
            .map((s) => s.cluster),
          clusters: seen.map(
            (s) => `${s.cluster}: ${s.sync}/${s.health}${s.current ? '' : ' (not yet for this release)'}`,
          ),
        });
        const bad = seen.find((s) => s.current && s.health === 'Degraded');
        if (bad) {
          return {
            ok: false,
            clusters,
            failed: {
              cluster: bad.cluster,
              reason: `Application is Degraded${bad.message ? `: ${bad.message}` : ''}`,
            },
          };
        }
        if (seen.every((s) => s.current && s.sync === 'Synced' && s.health === 'Healthy'))
          return { ok: true, clusters };
        if (Date.now() > deadline) {
          const late = seen.find((s) => !(s.current && s.sync === 'Synced' && s.health === 'Healthy'))!;
          return {
            ok: false,
            clusters,
            failed: {
              cluster: late.cluster,
              reason: `not Synced and Healthy for ${input.release.chart} ${input.release.version} within ${input.timeoutSeconds} s (sync ${late.sync}, health ${late.health}${late.current ? '' : ', status not yet for this release'})`,
            },
          };
        }
        await new Promise((r) => setTimeout(r, input.pollSeconds * 1000));
      }
    },

    /** Deletes the Applications and mirrored Secrets and waits until the Applications are gone (Argo CD removes its finalizer). */
    async dpuServiceDelete(input: DeleteInput): Promise<string[]> {
      const deadline = Date.now() + input.timeoutSeconds * 1000;
      const notes: string[] = [];
      const clients = new Map<string, Kube>();
      for (const cluster of input.clusters) {
        try {
          clients.set(cluster, await dpuCluster(input.service, cluster));
        } catch (err) {
          if (!(err instanceof ApplicationFailure)) throw err;
          notes.push(`${cluster}: unreachable (${err.message}); nothing removed there`);
          continue;
        }
        const k = clients.get(cluster)!;
        try {
          await k.custom.deleteNamespacedCustomObject(appRef(input.service));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        const selector = Object.entries(labelsOf(input.service))
          .map(([a, b]) => `${a}=${b}`)
          .join(',');
        try {
          await k.core.deleteCollectionNamespacedSecret({
            namespace: input.namespace,
            labelSelector: selector,
          });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      for (;;) {
        const left: string[] = [];
        for (const [cluster, k] of clients) if (await getApp(k, input.service)) left.push(cluster);
        Context.current().heartbeat({ waitingForApplicationsGoneIn: left });
        if (left.length === 0) break;
        if (Date.now() > deadline) {
          throw ApplicationFailure.retryable(
            `Application ${applicationName(input.service.namespace, input.service.name)} still exists in ${left.join(', ')} after ${input.timeoutSeconds} s: Argo CD has not removed its finalizer ${ARGO_RESOURCES_FINALIZER} (is Argo CD running there?)`,
            'ApplicationsNotGone',
          );
        }
        await new Promise((r) => setTimeout(r, input.pollSeconds * 1000));
      }
      return [...notes, ...[...clients.keys()].map((c) => `${c}: Application deleted`)];
    },

    /** Writes the DPUService's status (conditions merged) and an Event; a DPUService already gone is fine. */
    async dpuServiceReport(r: ServiceReport): Promise<void> {
      const k = host();
      try {
        const svc = await k.get<DpuServiceResource>('DPUService', r.ref);
        if (!svc || (r.ref.uid && svc.metadata.uid !== r.ref.uid)) return;
        const now = new Date().toISOString();
        let conditions = svc.status?.conditions;
        for (const c of r.conditions ?? []) conditions = setCondition(conditions, c, now);
        await k.patchStatus('DPUService', r.ref, { ...r.status, ...(conditions ? { conditions } : {}) });
        if (r.event)
          await k.event({ kind: 'DPUService', ref: r.ref }, r.event.type, r.event.reason, r.event.message);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },

    /** The cleanup is done: let the API server remove the DPUService. */
    async dpuServiceRelease(ref: ObjectRef): Promise<void> {
      const k = host();
      const svc = await k.get<DpuServiceResource>('DPUService', ref);
      if (!svc || (ref.uid && svc.metadata.uid !== ref.uid)) return;
      const finalizers = svc.metadata.finalizers ?? [];
      const i = finalizers.indexOf(DPUSERVICE_FINALIZER);
      if (i < 0) return;
      try {
        await k.jsonPatch('DPUService', ref, [
          { op: 'test', path: `/metadata/finalizers/${i}`, value: DPUSERVICE_FINALIZER },
          { op: 'remove', path: `/metadata/finalizers/${i}` },
        ]);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

export type DpuServiceActivities = ReturnType<typeof createDpuServiceActivities>;
