/**
 * ProvisionDpu: one DPU from bare card to Ready.
 *
 * | phase                      | task queue          | activities                                                      | undo                  |
 * | -------------------------- | ------------------- | --------------------------------------------------------------- | --------------------- |
 * | Initializing               | xpuflow-host-<node> | probeHost                                                       | —                     |
 * | Node Effect                | xpuflow-control     | applyNodeEffect (heartbeats through a drain)                    | removeNodeEffect      |
 * | Pending                    | xpuflow-control     | fetchBfb (heartbeats)                                           | — (a cached BFB)      |
 * | DMS Deployment             | xpuflow-control     | deployDmsPod, awaitDmsPodReady (heartbeats), dmsVerify          | removeDmsPod          |
 * | OS Installing              | xpuflow-control     | dmsVerify, dmsInstallBfb (heartbeats), createJoinToken and      | — (the next flash     |
 * |                            |                     | dmsInstallBfCfg (bf.cfg with the kubeadm join; without a        |   replaces it)        |
 * |                            |                     | DPUCluster: renderBfCfg, dmsInstallContent), removeDpuNode      |                       |
 * |                            |                     | (local: the old Node, which would refuse the rejoin),           |                       |
 * |                            |                     | dmsRebootStatus (CPU), one dmsActivate of                       |                       |
 * |                            |                     | `<bfb>;<cfg>` (heartbeats; DMS reboots the DPU), dmsRebootStatus |                       |
 * |                            |                     | (CPU) on durable timers (older runs: see dms-activation.ts)     |                       |
 * | Rebooting                  | xpuflow-control     | the operatorRebooted signal and dmsRebootStatus on durable      | —                     |
 * |                            |                     | timers when not automatic; dmsVerify                            |                       |
 * | Host Network Configuration | xpuflow-host-<node> | probeHost (unless Initializing saw it), configureVfs            | restoreVfs (as found) |
 * | DPU Cluster Config         | xpuflow-control     | awaitDpuNodeReady (heartbeats), labelDpuNode (older runs and    | removeDpuFromCluster  |
 * |                            |                     | runs with no flash: createJoinToken first)                      |                       |
 * | Ready                      | xpuflow-control     | removeNodeEffect                                                | —                     |
 *
 * That is the `gnoi` install path. On the `redfish` path (spec.installPath,
 * phases/install-path.ts) three rows change; the rest stay as above:
 *
 * | phase                      | task queue          | activities                                                      | undo                  |
 * | -------------------------- | ------------------- | --------------------------------------------------------------- | --------------------- |
 * | DMS Deployment             | —                   | none: not applicable                                            | —                     |
 * | OS Installing              | xpuflow-control     | redfishStartUpdate (SimpleUpdate; a retry finds the update      | — (the next install   |
 * |                            |                     | first), removeDpuNode (local: the old Node, unless it joined    |   replaces it)        |
 * |                            |                     | since the update began), redfishFollowUpdate (heartbeats the    |                       |
 * |                            |                     | task), redfishAwaitVersion (heartbeats)                         |                       |
 * | Rebooting                  | xpuflow-control     | redfishResetDpu (or the operatorRebooted signal),               | —                     |
 * |                            |                     | redfishAwaitVersion (heartbeats)                                |                       |
 *
 * Runs on the shorter-history path (fewer-events.ts) wait on RebootStatus in
 * one dmsAwaitReboot activity retried on a backoff instead of the durable
 * timers above, and make the short DMS reads and the bf.cfg render and
 * install local activities.
 *
 * Each row is a module in phases/ exporting its do (`run`) and its undo side
 * by side; DeleteDpu runs the same undos. Every phase change and error is
 * written to the DPU object's status (kubeReportDpu, status-writer.ts; a local
 * activity on the STATUS_WITH_WORK path, fewer-events.ts).
 *
 * A phase that fails for good (its activity's retries spent, or a failure no
 * retry can fix) undoes what this attempt did, newest first, and parks the DPU
 * in Error — alive, queryable, and waiting for an operator's `retry` update,
 * which restarts from any phase up to the one that failed.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SignalDefinition } from '@temporalio/common';
import { timingOf, type DpuSpec, type DpuStatus } from '../../model/dpu';
import { Phase, PROVISION_SEQUENCE, RETRYABLE_FROM } from '../../model/phases';
import { hostTaskQueue } from '../../model/task-queues';
import { installPathOf } from '../../model/install-path';
import { flowParkedSignal, flowResumedSignal, type FlowParked } from '../../model/dpu-lifecycle-api';
import { retryHint } from '../../model/operator-hints';
import {
  operatorRebootedSignal,
  retryUpdate,
  statusQuery,
  type ProvisionDpuInput,
  type RetryRequest,
} from '../../model/dpu-provision-api';
import { checkBfbUrl, checkSha256, specProblems } from '../../model/validation';
import { clearPhaseStarts, phaseStartRecorder, recordPhaseDuration } from '../metrics/phase-metrics';
import { Compensations } from '../toolkit/compensation';
import { describeFailure, failureMessage, type WorkerHint } from '../toolkit/describe-failure';
import type { FlowContext } from './context';
import { pathOf, type RunPath } from './fewer-events';
import { PROVISION_PHASES } from './phases';
import { hostCalls, kubeCalls } from './proxies';
import { StatusBook } from './status-book';
import { writeRunStatus } from './status-writer';

export async function provisionDpu(input: ProvisionDpuInput): Promise<DpuStatus> {
  return provisionOnPath(input);
}

/**
 * ProvisionDpu's body. `path`: the path (fewer-events.ts) when the caller
 * already knows it (UpdateDpu under UPDATE_STATUS_WITH_WORK); otherwise the
 * run asks `pathOf` when it starts.
 */
export async function provisionOnPath(input: ProvisionDpuInput, path?: RunPath): Promise<DpuStatus> {
  const problems = specProblems(input.spec);
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid DPU spec: ${problems.join('; ')}`, 'InvalidSpec');
  }
  const ctx = newContext(input.spec, path);
  if (input.reflash) ctx.reflash = true;
  const { book } = ctx;
  const operator = serveOperator(ctx);

  let from: Phase = input.startFrom ?? Phase.Initializing;
  for (;;) {
    const failedAt = await runPhases(ctx, from);
    if (failedAt === undefined) break;

    await CancellationScope.nonCancellable(async () => {
      await undoAttempt(ctx);
      book.enterError(input.onError === 'return' ? undefined : retryHint(ctx.spec));
      await writeRunStatus(ctx, {
        type: 'Warning',
        reason: 'ProvisioningFailed',
        message: `${book.lastError?.phase} failed: ${book.lastError?.message}`,
      });
    });
    if (input.onError === 'return') return book.snapshot();
    if (input.reportParked) await tellParent(flowParkedSignal);
    const retry = await operator.nextRetry();
    if (input.reportParked) await tellParent(flowResumedSignal);
    from = restartPhase(retry, book);
    if (retry.bfb) ctx.spec = { ...ctx.spec, bfb: retry.bfb };
    book.retried();
  }

  ctx.undo.clear();
  if (ctx.nodeEffectApplied) await kubeCalls.removeNodeEffect(ctx.nodeEffectApplied);
  book.enter(Phase.Ready);
  book.flush();
  const ready = `${ctx.spec.name} runs ${ctx.learnt.bfb?.fileName ?? 'its BFB'} with ${ctx.spec.numVfs} VFs`;
  book.done(Phase.Ready, ready);
  await writeRunStatus(ctx, { type: 'Normal', reason: 'Ready', message: ready });
  return book.snapshot();
}

function newContext(spec: DpuSpec, path?: RunPath): FlowContext {
  const timing = timingOf(spec);
  // Read once, first: the whole run takes one path (fewer-events.ts).
  const { fewerEvents, statusWithWork } = path ?? pathOf();
  return {
    spec,
    timing,
    book: new StatusBook(
      spec,
      recordPhaseDuration,
      phaseStartRecorder(spec.name, spec.node, spec.kube?.ref.namespace ?? ''),
      { foldUpserts: fewerEvents },
    ),
    fewerEvents,
    statusWithWork,
    undo: new Compensations(),
    host: hostCalls(spec.node, timing),
    learnt: {},
    operatorRebooted: false,
  };
}

/** The status query, the operatorRebooted signal and the retry update; `nextRetry` waits for an accepted retry. */
function serveOperator(ctx: FlowContext): { nextRetry: () => Promise<RetryRequest> } {
  const { book } = ctx;
  let retry: RetryRequest | undefined;
  setHandler(statusQuery, () => book.snapshot());
  setHandler(operatorRebootedSignal, () => {
    ctx.operatorRebooted = true;
  });
  setHandler(
    retryUpdate,
    (req) => {
      retry = req;
      return { restartingFrom: restartPhase(req, book), retry: book.snapshot().retries + 1 };
    },
    { validator: (req) => validateRetry(req, book) },
  );
  return {
    nextRetry: async () => {
      await condition(() => retry !== undefined);
      const req = retry!;
      retry = undefined;
      return req;
    },
  };
}

/**
 * Tells the parent (the DPU object's lifecycle) that this run parked or resumed.
 * A parent that is gone cannot be told: the run stays parked and retryable by
 * the CLI, and the log says why the lifecycle did not hear of it.
 */
async function tellParent(signal: SignalDefinition<[FlowParked]>): Promise<void> {
  const { parent, workflowId } = workflowInfo();
  if (!parent) return;
  try {
    await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(signal, { workflowId });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('cannot tell the DPU lifecycle about this run', {
      signal: signal.name,
      parent: parent.workflowId,
      error: failureMessage(err),
    });
  }
}

/** Runs the phases from `from` on; returns the phase that failed, or undefined when all are done. */
async function runPhases(ctx: FlowContext, from: Phase): Promise<Phase | undefined> {
  const start = PROVISION_PHASES.findIndex((p) => p.phase === from);
  for (const { phase, run } of PROVISION_PHASES.slice(start)) {
    ctx.book.enter(phase);
    // A phase that will be skipped leaves its phase attribute to fold into the next one's.
    if (!skipsWithoutCluster(ctx, phase)) ctx.book.flush();
    try {
      await writeRunStatus(ctx, { type: 'Normal', reason: 'PhaseChanged', message: `entered ${phase}` });
      const outcome = await run(ctx);
      if ('skipped' in outcome) ctx.book.skip(phase, outcome.skipped);
      else {
        ctx.book.flush(); // (a no-op unless the guess below was wrong and the phase did work)
        ctx.book.done(phase, outcome.done);
      }
    } catch (err) {
      if (isCancellation(err)) {
        // The DPU object was deleted or changed: undo this attempt, then end as cancelled.
        await CancellationScope.nonCancellable(async () => {
          ctx.book.fail(phase, 'cancelled', true);
          clearPhaseStarts(ctx.spec.name, ctx.spec.node, ctx.spec.kube?.ref.namespace ?? '');
          await undoAttempt(ctx);
        });
        throw err;
      }
      const why = describeFailure(err, workerHint(ctx, phase));
      ctx.book.fail(phase, why.message, why.nonRetryable);
      return phase;
    }
  }
  return undefined;
}

/** The phases that act on Kubernetes: without a DPU object they are skipped at once (skipped-without-cluster.ts). */
const CLUSTER_PHASES: readonly Phase[] = [Phase.NodeEffect, Phase.DmsDeployment, Phase.DpuClusterConfig];

function skipsWithoutCluster(ctx: FlowContext, phase: Phase): boolean {
  // DMS Deployment does not apply to the redfish path (phases/install-path.ts): skipped the same way.
  if (phase === Phase.DmsDeployment && installPathOf(ctx.spec) === 'redfish') return true;
  return ctx.spec.kube === undefined && CLUSTER_PHASES.includes(phase);
}

/** Runs this attempt's undo stack, newest first, into the book. */
async function undoAttempt(ctx: FlowContext): Promise<void> {
  for (const line of await ctx.undo.runAll()) ctx.book.compensated(line);
}

/** The phases whose activities run on the host worker name it when nobody polls. */
function workerHint(ctx: FlowContext, phase: Phase): WorkerHint | undefined {
  return phase === Phase.Initializing || phase === Phase.HostNetworkConfiguration
    ? {
        worker: `host worker for ${ctx.spec.node}`,
        queue: hostTaskQueue(ctx.spec.node),
        remedy: 'start the host worker on that node (or check the node name)',
      }
    : undefined;
}

function restartPhase(req: RetryRequest, book: StatusBook): Phase {
  return req.fromPhase ?? (req.bfb ? Phase.Pending : (book.lastError?.phase ?? Phase.Initializing));
}

function validateRetry(req: RetryRequest, book: StatusBook): void {
  if (book.phase !== Phase.Error) {
    throw new Error(`${book.snapshot().dpu} is in phase ${book.phase}, not Error: there is nothing to retry`);
  }
  const failed = book.lastError?.phase ?? Phase.Initializing;
  const from = restartPhase(req, book);
  if (!RETRYABLE_FROM.includes(from)) {
    throw new Error(
      `cannot restart from ${JSON.stringify(from)}: choose one of ${RETRYABLE_FROM.join(', ')}`,
    );
  }
  if (PROVISION_SEQUENCE.indexOf(from) > PROVISION_SEQUENCE.indexOf(failed)) {
    throw new Error(`cannot restart from ${from}: it comes after ${failed}, the phase that failed`);
  }
  if (req.bfb) {
    const bad = checkBfbUrl(req.bfb.url) ?? checkSha256(req.bfb.sha256);
    if (bad) throw new Error(bad);
    if (PROVISION_SEQUENCE.indexOf(from) > PROVISION_SEQUENCE.indexOf(Phase.Pending)) {
      throw new Error(`a new BFB is downloaded in Pending: restart from Pending or earlier, not ${from}`);
    }
  }
}
