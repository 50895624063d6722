/**
 * Deletion of a DPUService, and of the Applications of clusters a
 * generation no longer targets:
 *
 *   Deleting ─▶ delete the Applications (and mirrored Secrets) in every cluster that got one or is targeted,
 *     wait until Argo CD has removed them ─▶ release the DPUService's finalizer
 *   a DPU cluster whose Argo CD is down ─▶ say so (DeleteFailed) and try again every retrySeconds:
 *     the DPUService is kept, never orphaned
 */
import { sleep } from '@temporalio/workflow';
import { failureMessage } from '../toolkit';
import { argoCalls, argoWaits } from './proxies';
import { notReady, report, type ServiceRun } from './run';

const DELETE_TIMEOUT_SECONDS = 600;

/** Deletes the Applications in `clusters` and waits until they are gone. */
export async function deleteApplications(
  run: ServiceRun,
  clusters: string[],
  namespace: string,
): Promise<void> {
  await argoWaits(DELETE_TIMEOUT_SECONDS).dpuServiceDelete({
    service: run.ref,
    clusters,
    namespace,
    timeoutSeconds: DELETE_TIMEOUT_SECONDS,
    pollSeconds: run.pollSeconds,
  });
}

export async function deleteService(run: ServiceRun): Promise<string> {
  const { desired, ref } = run; // the generation at the delete (a later signal updates run.desired)
  // Every cluster that got an Application, and every cluster targeted now.
  const clusters = [...new Set([...Object.keys(run.deployed), ...(desired?.clusters ?? [])])].sort();
  const namespace = desired?.spec.namespace ?? 'default';
  await report(
    run,
    desired,
    'Deleting',
    `deleting the Applications in ${clusters.join(', ') || 'no cluster'}`,
    [notReady('Deleting', 'the DPUService is being deleted')],
  );
  while (clusters.length) {
    try {
      await deleteApplications(run, clusters, namespace);
      break;
    } catch (err) {
      const msg = `deleting the Applications failed: ${failureMessage(err)}; trying again in ${run.retrySeconds} s`;
      await report(run, run.desired, 'Deleting', msg, [notReady('Deleting', msg)], {
        type: 'Warning',
        reason: 'DeleteFailed',
        message: msg,
      });
      await sleep(`${run.retrySeconds} seconds`);
    }
  }
  await argoCalls.dpuServiceRelease(ref);
  return `DPUService ${ref.namespace}/${ref.name} deleted (Applications removed from ${clusters.length} DPU cluster(s))`;
}
