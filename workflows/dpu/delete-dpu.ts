/**
 * DeleteDpu: put the host back as it was before the DPU object existed, by
 * running the provisioning phases' own undos, last phase first:
 *
 *   DPU Cluster Config          remove the DPU's node and join tokens from the DPU cluster
 *   Host Network Configuration  host worker: sriov_numvfs → 0
 *   DMS Deployment              delete the DMS pod
 *   Node Effect                 lift the node effect
 *   then                        release the DPU object's finalizer
 *
 * Each step is tolerant of what is already gone; a step that cannot be done
 * (a host whose worker is gone) is reported as a Warning event, and the
 * delete goes on, so a dead host never pins a DPU object forever.
 *
 * Under DELETE_STATUS_WITH_WORK (fewer-events.ts) the status writes, the
 * Kubernetes undo steps and the finalizer release are local activities: only
 * the host worker's step is an activity (and a workflow task) of its own.
 */
import { patched } from '@temporalio/workflow';
import type { DeleteDpuInput } from '../../model/dpu-lifecycle-api';
import { timingOf, type DpuSpec } from '../../model/dpu';
import { undoByHandHint } from '../../model/operator-hints';
import { hostTaskQueue } from '../../model/task-queues';
import { clearPhaseStarts } from '../metrics/phase-metrics';
import { failureMessage } from '../toolkit/describe-failure';
import type { UndoStep } from '../toolkit/compensation';
import type { ProvisionPhase, UndoTarget } from './context';
import {
  dmsDeployment,
  dpuClusterConfig,
  hostNetworkConfiguration,
  nodeEffect,
  PROVISION_PHASES,
} from './phases';
import { DELETE_STATUS_WITH_WORK } from './fewer-events';
import { hostCalls, kubeCalls, kubeLocalCalls } from './proxies';
import { writeDpuStatus, type KubeEvent } from './status-writer';

/**
 * Runs before this patch undid the host network before the DPU cluster
 * membership. Their histories (test/histories/delete-dpu.json) replay in that
 * order; once no such delete can be running or replayed, turn this into
 * deprecatePatch(REVERSE_PHASE_ORDER), then remove it with LEGACY_ORDER.
 */
const REVERSE_PHASE_ORDER = 'delete-dpu-undo-in-reverse-phase-order';
const LEGACY_ORDER: readonly ProvisionPhase[] = [
  hostNetworkConfiguration,
  dpuClusterConfig,
  dmsDeployment,
  nodeEffect,
];

export async function deleteDpu(input: DeleteDpuInput): Promise<string[]> {
  const { spec } = input;
  // Read once, first: the whole delete takes one path (fewer-events.ts).
  const withWork = patched(DELETE_STATUS_WITH_WORK);
  const kube = withWork ? kubeLocalCalls : kubeCalls;
  const report: string[] = [];
  const hostWorker = {
    worker: `host worker for ${spec.node}`,
    queue: hostTaskQueue(spec.node),
    remedy: 'start it, or undo this step by hand',
  };
  const deleting = (message: string, event: KubeEvent) =>
    writeDpuStatus(spec, { phase: 'Deleting', message, event }, withWork);

  await deleting('undoing host network, DPU cluster membership, DMS and node effect', {
    type: 'Normal',
    reason: 'Deleting',
    message: 'delete flow started',
  });
  for (const step of undoSteps(spec, withWork)) {
    try {
      await step.run();
      report.push(`${step.describe}: done`);
    } catch (err) {
      const why = failureMessage(err, hostWorker);
      report.push(`${step.describe}: FAILED (${why})`);
      await deleting(undoByHandHint(step.describe, why), {
        type: 'Warning',
        reason: 'DeleteStepFailed',
        message: `${step.describe}: ${why}`,
      });
    }
  }
  await kube.kubeReleaseDpu(spec.kube!.ref);
  // A DPU deleted in Error (its provisioning run returned there) leaves no stuck-phase alert behind.
  clearPhaseStarts(spec.name, spec.node, spec.kube?.ref.namespace ?? '');
  return report;
}

/**
 * Every phase's undo that applies to this DPU, last phase first. `withWork`
 * (DELETE_STATUS_WITH_WORK) implies REVERSE_PHASE_ORDER without its marker.
 */
function undoSteps(spec: DpuSpec, withWork: boolean): UndoStep[] {
  const target: UndoTarget = {
    spec,
    host: hostCalls(spec.node, timingOf(spec)),
    vfsBefore: 0,
    ...(withWork ? { kube: kubeLocalCalls } : {}),
  };
  const order = withWork || patched(REVERSE_PHASE_ORDER) ? [...PROVISION_PHASES].reverse() : LEGACY_ORDER;
  return order.flatMap((p) => p.undo?.(target) ?? []);
}
