/**
 * `dpuServiceDelete`: deletes the DPUService's Application and mirrored
 * Secrets in some DPU clusters, then waits until the Applications are gone
 * (Argo CD removes its finalizer once it has pruned what the chart made).
 * A DPU cluster that cannot be reached is noted, not waited for.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { isNotFound, type Kube } from '../../../platform/kube/client';
import type { ObjectRef } from '../../../model/resources/common';
import { applicationName } from '../../../model/dpu-service';
import { waitUntil } from '../../wait-until';
import { appRef, getApp, labelsOf, type ServiceClusters } from './clusters';
import { applicationsNotGone } from './failures';

export interface DeleteInput {
  service: ObjectRef;
  clusters: string[];
  namespace: string;
  timeoutSeconds: number;
  pollSeconds: number;
}

/** Deletes the Application and the Secrets labelled for the service; what is already gone is fine. */
async function removeFrom(k: Kube, input: DeleteInput): Promise<void> {
  try {
    await k.custom.deleteNamespacedCustomObject(appRef(input.service));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const selector = Object.entries(labelsOf(input.service))
    .map(([a, b]) => `${a}=${b}`)
    .join(',');
  try {
    await k.core.deleteCollectionNamespacedSecret({ namespace: input.namespace, labelSelector: selector });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export function deleteActivity({ dpuCluster }: ServiceClusters) {
  return {
    /** Returns one line per cluster: deleted, or unreachable and why. */
    async dpuServiceDelete(input: DeleteInput): Promise<string[]> {
      const deadline = Date.now() + input.timeoutSeconds * 1000;
      const notes: string[] = [];
      const clients = new Map<string, Kube>();
      for (const cluster of input.clusters) {
        let k: Kube;
        try {
          k = await dpuCluster(input.service, cluster);
        } catch (err) {
          if (!(err instanceof ApplicationFailure)) throw err;
          notes.push(`${cluster}: unreachable (${err.message}); nothing removed there`);
          continue;
        }
        clients.set(cluster, k);
        await removeFrom(k, input);
      }
      // The time left of the activity's own timeout: deleting counted too.
      let left: string[] = [];
      await waitUntil<void>({
        what: `Application ${applicationName(input.service.namespace, input.service.name)} to be gone`,
        timeoutSeconds: Math.max(0, (deadline - Date.now()) / 1000),
        pollSeconds: input.pollSeconds,
        look: async () => {
          left = [];
          for (const [cluster, k] of clients) if (await getApp(k, input.service)) left.push(cluster);
          if (left.length === 0) return { done: undefined };
          return { seen: `still in ${left.join(', ')}`, details: { waitingForApplicationsGoneIn: left } };
        },
        onTimeout: () => {
          throw applicationsNotGone(input.service, left, input.timeoutSeconds);
        },
      });
      return [...notes, ...[...clients.keys()].map((c) => `${c}: Application deleted`)];
    },
  };
}
