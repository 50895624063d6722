/**
 * ServiceChain: the one long-running workflow per DPU that keeps the DPU's
 * OVS holding the service-chain ports and flows the controller asks for.
 *
 *   controller ──desiredChain(rev)──▶ workflow ──reconcileOvs──▶ DPU worker (xpuflow-dpu-<dpu>.<namespace>)
 *                                        └── again every intervalSeconds: what was removed by hand comes back
 *
 * An empty desired state removes every owned port and flow. A DPU worker
 * that does not pick the task up within scheduleToStartSeconds is reported
 * ("DPU worker for <dpu> is not polling") and tried again next interval.
 * History is bounded by continueAsNew every iterationsPerRun reconciles.
 */
import { condition, continueAsNew, patched, setHandler } from '@temporalio/workflow';
import { failureMessage } from '../toolkit';
import { emptyDesired } from '../../model/ovs-state';
import {
  chainStateQuery,
  desiredChainSignal,
  stopChainSignal,
  type DesiredChainState,
  type ServiceChainInput,
  type ServiceChainState,
} from '../../model/service-chain-api';
import { dpuTaskQueue } from '../../model/task-queues';
import { ovsCalls } from './proxies';

/**
 * Marker: the reconcile goes to the DPU's namespaced queue,
 * `xpuflow-dpu-<dpu>.<namespace>` (runs without it, and runs continued from
 * them until their next continueAsNew, use `xpuflow-dpu-<dpu>`, which DPUs of
 * one name in two namespaces shared).
 */
export const DPU_QUEUE_NAMESPACED = 'service-chain-dpu-queue-namespaced';

/** The failure in words; a DPU worker that is not polling is named with its queue and how to start it. */
function describe(err: unknown, dpu: string, namespace: string | undefined): string {
  const remedy =
    namespace === undefined
      ? `start it (xpuflow worker dpu --dpu ${dpu})`
      : `start it (xpuflow worker dpu --dpu ${dpu} --namespace ${namespace})`;
  return failureMessage(err, {
    worker: `DPU worker for ${namespace === undefined ? dpu : `${namespace}/${dpu}`}`,
    queue: dpuTaskQueue(dpu, namespace),
    remedy,
  });
}

export async function serviceChain(input: ServiceChainInput): Promise<string> {
  const intervalMs = (input.intervalSeconds ?? 30) * 1000;
  const perRun = input.iterationsPerRun ?? 200;
  const namespace = patched(DPU_QUEUE_NAMESPACED) ? input.namespace : undefined;
  const dpuOvs = ovsCalls(input.dpu, namespace, input.scheduleToStartSeconds ?? 30);

  let desired: DesiredChainState = input.desired ?? { revision: '', desired: emptyDesired() };
  let changed = true;
  const state: ServiceChainState = input.last ?? {
    dpu: input.dpu,
    lastChanges: [],
    problems: [],
    stopping: false,
  };
  state.desiredRevision = desired.revision;

  setHandler(desiredChainSignal, (d) => {
    if (d.revision === desired.revision) return;
    desired = d;
    state.desiredRevision = d.revision;
    changed = true;
  });
  setHandler(stopChainSignal, () => {
    state.stopping = true;
  });
  setHandler(chainStateQuery, () => state);

  for (let i = 0; i < perRun; i++) {
    if (!changed) await condition(() => changed || state.stopping, intervalMs);
    if (state.stopping) return `service chains of DPU ${input.dpu}: stopped (the DPU is gone)`;
    changed = false;
    const applying = desired;
    try {
      const result = await dpuOvs.reconcileOvs(applying.desired);
      state.appliedRevision = applying.revision;
      state.lastReconciled = new Date().toISOString();
      state.lastChanges = result.changes;
      state.problems = result.problems;
      state.observed = result.state;
      state.error = undefined;
    } catch (err) {
      state.error = describe(err, input.dpu, namespace);
    }
  }
  return await continueAsNew<typeof serviceChain>({
    ...input,
    desired,
    last: { ...state, stopping: false },
  });
}
