/**
 * `dpuServiceAwaitHealthy`: waits until the Applications of some clusters
 * are Synced and Healthy *for the wanted release* (status.sync.comparedTo.source
 * equals what was written, so an old Healthy does not count). It returns on the
 * first Degraded one, or at the timeout, with the cluster and why: a wave that
 * fails is a result the workflow rolls back on, not an activity failure.
 * Heartbeats carry each cluster's sync/health.
 */
import type { Kube } from '../../../platform/kube/client';
import type { Application, ClusterServiceStatus, ServiceRelease } from '../../../model/resources/dpu-service';
import type { ObjectRef } from '../../../model/resources/common';
import { applicationName, applicationSpec, describeRelease, sameJson } from '../../../model/dpu-service';
import { waitUntil } from '../../wait-until';
import { getApp, type ServiceClusters } from './clusters';

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

type Seen = ClusterServiceStatus & { current: boolean };

/** Sync and health of one Application, and whether that status is about the wanted release. */
export function readApplication(
  cluster: string,
  app: Application | undefined,
  wanted: ReturnType<typeof applicationSpec>,
): Seen {
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

const healthy = (s: Seen) => s.current && s.sync === 'Synced' && s.health === 'Healthy';
const withoutCurrent = (seen: Seen[]): ClusterServiceStatus[] => seen.map(({ current: _c, ...s }) => s);
const inWords = (s: Seen) =>
  `${s.cluster}: ${s.sync}/${s.health}${s.current ? '' : ' (not yet for this release)'}`;

export function awaitHealthyActivity({ dpuCluster }: ServiceClusters) {
  return {
    async dpuServiceAwaitHealthy(input: AwaitInput): Promise<AwaitResult> {
      const wanted = applicationSpec(input.release, input.namespace, input.service.name);
      const clients = new Map<string, Kube>();
      let last: Seen[] = [];
      return waitUntil<AwaitResult>({
        what: `Application ${applicationName(input.service.namespace, input.service.name)} to be Synced and Healthy for ${describeRelease(input.release)} in ${input.clusters.join(', ')}`,
        timeoutSeconds: input.timeoutSeconds,
        pollSeconds: input.pollSeconds,
        look: async () => {
          const seen: Seen[] = [];
          for (const cluster of input.clusters) {
            if (!clients.has(cluster)) clients.set(cluster, await dpuCluster(input.service, cluster));
            seen.push(readApplication(cluster, await getApp(clients.get(cluster)!, input.service), wanted));
          }
          last = seen;
          const clusters = withoutCurrent(seen);
          const bad = seen.find((s) => s.current && s.health === 'Degraded');
          if (bad) {
            const reason = `Application is Degraded${bad.message ? `: ${bad.message}` : ''}`;
            return { done: { ok: false, clusters, failed: { cluster: bad.cluster, reason } } };
          }
          if (seen.every(healthy)) return { done: { ok: true, clusters } };
          return {
            seen: seen.map(inWords).join(', '),
            details: {
              waitingFor: seen.filter((s) => !healthy(s)).map((s) => s.cluster),
              clusters: seen.map(inWords),
            },
          };
        },
        onTimeout: () => {
          const late = last.find((s) => !healthy(s))!;
          return {
            ok: false,
            clusters: withoutCurrent(last),
            failed: {
              cluster: late.cluster,
              reason: `not Synced and Healthy for ${input.release.chart} ${input.release.version} within ${input.timeoutSeconds} s (sync ${late.sync}, health ${late.health}${late.current ? '' : ', status not yet for this release'})`,
            },
          };
        },
      });
    },
  };
}
