/**
 * Argo CD played on DPU clusters that have only its Application CRD, as far
 * as xpuflow sees it: every interval, an Application being deleted loses its
 * resources finalizer, and one whose status is not yet for its current spec
 * gets the sync status, health and operation state Argo CD would write.
 */
import * as k8s from '@kubernetes/client-node';
import {
  ARGO_APPLICATIONS,
  ARGO_GROUP,
  ARGO_NAMESPACE,
  ARGO_RESOURCES_FINALIZER,
  ARGO_VERSION,
  type Application,
} from '../../model/resources/dpu-service';
import { apiMessage, unlessNotFound, type Kube } from '../../platform/kube/client';
import { apiServerGone } from '../kube/api-server-gone';

export type PlayedHealth = 'Healthy' | 'Degraded' | 'Progressing';

const APPLICATIONS = {
  group: ARGO_GROUP,
  version: ARGO_VERSION,
  namespace: ARGO_NAMESPACE,
  plural: ARGO_APPLICATIONS,
};

export async function listApplications(kube: Kube): Promise<Application[]> {
  return ((await kube.custom.listNamespacedCustomObject(APPLICATIONS)) as { items: Application[] }).items;
}

export async function getApplication(kube: Kube, name: string): Promise<Application | undefined> {
  return unlessNotFound(
    async () => (await kube.custom.getNamespacedCustomObject({ ...APPLICATIONS, name })) as Application,
  );
}

/** A JSON patch of one Application. */
export async function patchApplication(kube: Kube, name: string, ops: object[]): Promise<void> {
  await kube.custom.patchNamespacedCustomObject(
    { ...APPLICATIONS, name, body: ops },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
  );
}

/** The status Argo CD writes for an Application's current spec with this health. */
export function playedStatus(app: Application, health: PlayedHealth): object {
  const revision = app.spec.source.targetRevision;
  return {
    sync: {
      status: health === 'Progressing' ? 'OutOfSync' : 'Synced',
      revision,
      comparedTo: { source: app.spec.source, destination: app.spec.destination },
    },
    health: {
      status: health,
      ...(health === 'Degraded' ? { message: 'DaemonSet dataplane: 0/1 pods ready (CrashLoopBackOff)' } : {}),
    },
    operationState: {
      operation: { sync: { revision } },
      startedAt: new Date().toISOString(),
      phase: 'Succeeded',
      message: 'successfully synced',
      syncResult: { revision },
    },
  };
}

export interface PlayedArgoOptions<C extends string> {
  clusters: Record<C, Kube>;
  intervalMs: number;
  /** What an Application reports for its current spec; undefined leaves its status alone. */
  health(cluster: C, app: Application): PlayedHealth | undefined;
  /** Whether Applications being deleted lose the finalizer now (default always). */
  finalize?(): boolean;
}

export interface PlayedArgo {
  stop(): void;
  /** Status writes so far. */
  writes(): number;
}

export function playArgo<C extends string>(opts: PlayedArgoOptions<C>): PlayedArgo {
  let timer: NodeJS.Timeout | undefined;
  let writes = 0;
  const playCluster = async (cluster: C, kube: Kube) => {
    for (const app of await listApplications(kube)) {
      if (app.metadata.deletionTimestamp) {
        if ((opts.finalize?.() ?? true) && app.metadata.finalizers?.includes(ARGO_RESOURCES_FINALIZER))
          await patchApplication(kube, app.metadata.name, [{ op: 'remove', path: '/metadata/finalizers' }]);
        continue;
      }
      const health = opts.health(cluster, app);
      if (!health) continue;
      const st = app.status;
      if (
        st?.health?.status === health &&
        JSON.stringify(st?.sync?.comparedTo?.source) === JSON.stringify(app.spec.source)
      )
        continue;
      writes++;
      await patchApplication(kube, app.metadata.name, [
        { op: 'add', path: '/status', value: playedStatus(app, health) },
      ]);
    }
  };
  const tick = () =>
    Promise.all(
      (Object.entries(opts.clusters) as Array<[C, Kube]>).map(([cluster, kube]) =>
        playCluster(cluster, kube),
      ),
    );
  const loop = () => {
    timer = setTimeout(() => {
      void tick()
        .catch((err: unknown) => {
          // A cluster's API server stopping at the end of a run is expected; anything else is
          // said, and the next pass tries again.
          if (!apiServerGone(err)) console.warn(`played Argo CD: a pass failed: ${apiMessage(err)}`);
        })
        .finally(() => {
          if (timer) loop();
        });
    }, opts.intervalMs);
  };
  loop();
  return {
    stop: () => {
      clearTimeout(timer);
      timer = undefined;
    },
    writes: () => writes,
  };
}
