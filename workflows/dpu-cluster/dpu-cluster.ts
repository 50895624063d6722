/**
 * dpuCluster: the long-lived workflow behind one `kamaji` DPUCluster. It does
 * what DPF's kamaji cluster manager does (NVIDIA/doca-platform
 * internal/clustermanager/kamaji/handler.go @ 1f6a80c0b087), as one durable
 * run:
 *
 *   spec ─▶ NodePort Service, TenantControlPlane, keepalived ─▶ Creating
 *        ─▶ poll Kamaji's status on durable timers until Ready (and its admin kubeconfig named)
 *        ─▶ copy admin.conf into the DPUCluster's kubeconfig Secret ─▶ ControlPlaneReady=True, Ready
 *        ─▶ wait for an edit or a delete ─▶ continueAsNew
 *   deleteRequested (the controller sends it only once no DPU names the cluster)
 *        ─▶ delete the TenantControlPlane, load balancer, Service and Secret ─▶ release the finalizer
 *
 * A failure is reported (ControlPlaneReady=False naming it) and tried again
 * with backoff; an edit or a delete cuts any wait short.
 */
import { condition, continueAsNew, log, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import {
  dpuClusterDeleteRequestedSignal,
  dpuClusterSpecChangedSignal,
  dpuClusterStateQuery,
  type DesiredDpuCluster,
  type DpuClusterInput,
} from '../../model/dpu-cluster-api';
import { dpuClusterSpecProblems, kamajiObjectNames } from '../../model/dpu-cluster';
import type { ObjectRef } from '../../model/resources/common';
import type { DpuClusterReport } from '../../activities/kube/kamaji';
import { describeFailure, failureMessage } from '../toolkit';
import { kamajiCalls } from './proxies';

interface RunState {
  ref: ObjectRef;
  desired?: DesiredDpuCluster;
  deleting: boolean;
  changed: boolean;
  step: string;
  failures: number;
  problem?: string;
}

/** Polls of Kamaji's status in one run before continueAsNew keeps history short. */
const POLLS_PER_RUN = 100;

export async function dpuCluster(input: DpuClusterInput): Promise<string> {
  const s: RunState = {
    ref: input.ref,
    ...(input.desired ? { desired: input.desired } : {}),
    deleting: input.deleting ?? false,
    changed: false,
    step: 'Waiting',
    failures: 0,
  };
  listen(s);
  const workflowId = workflowInfo().workflowId;
  const say = (phase: DpuClusterReport['phase'], status: 'True' | 'False', reason: string, message: string) =>
    kamajiCalls.reportDpuCluster({
      cluster: s.ref,
      ...(s.desired ? { generation: s.desired.generation } : {}),
      workflowId,
      phase,
      condition: { status, reason, message },
    });
  const next = () =>
    continueAsNew<typeof dpuCluster>({
      ref: s.ref,
      ...(s.desired ? { desired: s.desired } : {}),
      deleting: s.deleting,
    });
  const editedOrDeleted = (timeoutMs?: number) =>
    timeoutMs === undefined
      ? condition(() => s.deleting || s.changed).then(() => true)
      : condition(() => s.deleting || s.changed, timeoutMs);

  await condition(() => s.deleting || s.desired !== undefined);
  if (s.deleting) return remove(s, say);
  const d = s.desired!;
  s.changed = false;
  const problems = dpuClusterSpecProblems(d.spec);
  if (problems.length > 0) {
    s.problem = `${problems.join('; ')}: fix the DPUCluster's spec`;
    await say('Error', 'False', 'InvalidSpec', s.problem);
    await editedOrDeleted();
    return next();
  }
  const names = kamajiObjectNames(s.ref.name);
  try {
    s.step = 'Making';
    const made = await kamajiCalls.makeKamajiControlPlane(s.ref);
    s.step = 'WaitingForControlPlane';
    const tcp = `TenantControlPlane ${s.ref.namespace}/${names.tenantControlPlane}`;
    await say(
      'Creating',
      'False',
      'WaitingForControlPlane',
      `${made.made.length ? `made ${made.made.join('; ')}; ` : ''}waiting for Kamaji to report ${tcp} Ready`,
    );
    let intervalMs = 1000;
    for (let poll = 0; ; poll++) {
      const seen = await kamajiCalls.readKamajiControlPlane(s.ref);
      if (seen.ready) {
        s.step = 'WritingKubeconfig';
        const secret = await kamajiCalls.writeDpuClusterKubeconfig({
          cluster: s.ref,
          adminSecret: seen.adminSecret!,
        });
        s.step = 'Ready';
        s.failures = 0;
        s.problem = undefined;
        await say(
          'Ready',
          'True',
          'ControlPlaneReady',
          `Kamaji reports ${tcp} Ready${seen.endpoint ? ` at ${seen.endpoint}` : ''}; its kubeconfig is in Secret ${secret}`,
        );
        break;
      }
      if (seen.status === 'Missing') throw new Error(`${tcp} is gone: it is made again`);
      if (poll >= POLLS_PER_RUN) return await next();
      s.problem = `${tcp} is ${seen.status}${seen.status === 'Ready' ? ' but names no admin kubeconfig Secret yet' : ''}`;
      if (await editedOrDeleted(intervalMs)) return await next();
      intervalMs = Math.min(intervalMs * 2, 30_000);
    }
  } catch (err) {
    s.failures += 1;
    const why = describeFailure(err);
    const waitMs = Math.min(5 * 60_000, 5_000 * 2 ** Math.max(0, s.failures - 1));
    s.problem = `${why.message} (attempt ${s.failures}; next in ${Math.round(waitMs / 1000)} s)`;
    await say('Error', 'False', (why.nonRetryable && why.type) || 'ControlPlaneFailed', s.problem).catch(
      () => undefined, // the report itself failed after its retries: the retry below tries both again
    );
    await editedOrDeleted(waitMs);
    return next();
  }
  await editedOrDeleted();
  return next();
}

async function remove(
  s: RunState,
  say: (
    phase: DpuClusterReport['phase'],
    status: 'True' | 'False',
    reason: string,
    message: string,
  ) => Promise<void>,
): Promise<string> {
  s.step = 'Deleting';
  try {
    const removed = s.desired
      ? await kamajiCalls.removeKamajiCluster({ cluster: s.ref, spec: s.desired.spec })
      : [];
    await kamajiCalls.releaseDpuClusterFinalizer(s.ref);
    return `DPUCluster ${s.ref.namespace}/${s.ref.name} deleted: removed ${removed.join(', ') || 'nothing (nothing was made)'}`;
  } catch (err) {
    s.failures += 1;
    const waitMs = Math.min(5 * 60_000, 5_000 * 2 ** Math.max(0, s.failures - 1));
    s.problem = `removing what the cluster made failed: ${failureMessage(err)} (attempt ${s.failures}; next in ${Math.round(waitMs / 1000)} s)`;
    // The removal's failure is the one retried below; a report that failed too is logged, then tried again with it.
    await say('Deleting', 'False', 'RemoveFailed', s.problem).catch((reportErr: unknown) =>
      log.warn('DPUCluster status report failed', { cluster: s.ref, error: failureMessage(reportErr) }),
    );
    await sleep(waitMs);
    return continueAsNew<typeof dpuCluster>({
      ref: s.ref,
      ...(s.desired ? { desired: s.desired } : {}),
      deleting: true,
    });
  }
}

function listen(s: RunState): void {
  setHandler(dpuClusterSpecChangedSignal, (d) => {
    if (s.deleting || (s.desired && d.generation <= s.desired.generation)) return;
    s.desired = d;
    s.changed = true;
  });
  setHandler(dpuClusterDeleteRequestedSignal, () => {
    s.deleting = true;
  });
  setHandler(dpuClusterStateQuery, () => ({
    ...(s.desired ? { generation: s.desired.generation } : {}),
    step: s.step,
    deleting: s.deleting,
    ...(s.problem ? { problem: s.problem } : {}),
  }));
}
