/**
 * DeleteDpu: put the host back as it was before the DPU object existed.
 *
 *   host worker: sriov_numvfs → 0   (undo host network)
 *   DPU cluster: delete the DPU's node and join tokens
 *   host cluster: delete the DMS pod, lift the node effect
 *   DPU object: release the finalizer
 *
 * Each step is tolerant of what is already gone; a step that cannot be done
 * (a host whose worker is gone) is reported as a Warning event, and the
 * delete goes on, so a dead host never pins a DPU object forever.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { DeleteDpuInput } from '../../model/dpu-lifecycle-api';
import { dmsPodName, timingOf } from '../../model/dpu';
import { hostActivities, kube } from './proxies';

export async function deleteDpu(input: DeleteDpuInput): Promise<string[]> {
  const { spec } = input;
  const k = spec.kube!;
  const host = hostActivities(spec.node, timingOf(spec));
  const report: string[] = [];
  const deleting = (
    message: string,
    event: { type: 'Normal' | 'Warning'; reason: string; message: string },
  ) =>
    kube.kubeReportDpu({
      ref: k.ref,
      generation: k.generation,
      phase: 'Deleting',
      message,
      conditions: [],
      workflowId: '',
      ready: false,
      event,
    });
  const step = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
      report.push(`${what}: done`);
    } catch (err) {
      const why =
        err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
          ? err.cause.message
          : (err as Error).message;
      report.push(`${what}: FAILED (${why})`);
      await deleting(`${what} failed: ${why}; undo it by hand`, {
        type: 'Warning',
        reason: 'DeleteStepFailed',
        message: `${what}: ${why}`,
      });
    }
  };

  await deleting('undoing host network, DPU cluster membership, DMS and node effect', {
    type: 'Normal',
    reason: 'Deleting',
    message: 'delete flow started',
  });
  await step(`set sriov_numvfs of ${spec.pciAddress} on ${spec.node} to 0`, () =>
    host.restoreVfs({ pciAddress: spec.pciAddress, numVfs: 0 }),
  );
  if (k.cluster) {
    await step(`remove ${spec.name} from DPUCluster ${k.cluster.name}`, () =>
      kube.removeDpuFromCluster({
        cluster: { namespace: k.ref.namespace, name: k.cluster!.name },
        dpuNode: spec.name,
      }),
    );
  }
  await step(`delete DMS pod ${dmsPodName(spec.name)}`, () =>
    kube.removeDmsPod({ namespace: k.ref.namespace, pod: dmsPodName(spec.name) }),
  );
  await step(`lift the node effect on ${spec.node}`, () =>
    kube.removeNodeEffect({ node: spec.node, dpu: spec.name, effect: k.nodeEffect ?? { cordon: true } }),
  );
  await kube.kubeReleaseDpu(k.ref);
  return report;
}
