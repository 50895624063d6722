/**
 * ProvisionDpu: one DPU from bare card to Ready.
 *
 *   Initializing → Node Effect → Pending → DMS Deployment → OS Installing
 *     → Rebooting → Host Network Configuration → DPU Cluster Config → Ready
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
  isCancellation,
  setHandler,
} from '@temporalio/workflow';
import { timingOf, type DpuSpec, type DpuStatus } from '../../model/dpu';
import { Phase, PROVISION_SEQUENCE, RETRYABLE_FROM } from '../../model/phases';
import {
  operatorRebootedSignal,
  retryUpdate,
  statusQuery,
  type ProvisionDpuInput,
  type RetryRequest,
} from '../../model/dpu-provision-api';
import { checkBfbUrl, checkSha256, specProblems } from '../../model/validation';
import { hostActivities, kube } from './proxies';
import { Compensations } from '../toolkit/compensation';
import type { FlowContext, PhaseStep } from './context';
import { describeFailure } from '../toolkit/describe-failure';
import { reportToKube } from './kube-report';
import { dmsDeployment } from './phases/dms-deployment';
import { dpuClusterConfig } from './phases/dpu-cluster-config';
import { hostNetworkConfiguration } from './phases/host-network';
import { initializing } from './phases/initializing';
import { osInstalling } from './phases/os-installing';
import { nodeEffect } from './phases/node-effect';
import { pending } from './phases/pending';
import { rebooting } from './phases/rebooting';
import { StatusBook } from './status-book';

const STEPS: ReadonlyArray<[Phase, PhaseStep]> = [
  [Phase.Initializing, initializing],
  [Phase.NodeEffect, nodeEffect],
  [Phase.Pending, pending],
  [Phase.DmsDeployment, dmsDeployment],
  [Phase.OsInstalling, osInstalling],
  [Phase.Rebooting, rebooting],
  [Phase.HostNetworkConfiguration, hostNetworkConfiguration],
  [Phase.DpuClusterConfig, dpuClusterConfig],
];

export async function provisionDpu(input: ProvisionDpuInput): Promise<DpuStatus> {
  const problems = specProblems(input.spec);
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid DPU spec: ${problems.join('; ')}`, 'InvalidSpec');
  }
  let spec: DpuSpec = input.spec;
  const timing = timingOf(spec);
  const book = new StatusBook(spec);
  const ctx: FlowContext = {
    spec,
    timing,
    book,
    undo: new Compensations(),
    host: hostActivities(spec.node, timing),
    learnt: {},
    operatorRebooted: false,
  };
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

  let from: Phase = input.startFrom ?? Phase.Initializing;
  for (;;) {
    const failedAt = await runPhases(ctx, from);
    if (failedAt === undefined) break;

    await CancellationScope.nonCancellable(async () => {
      for (const line of await ctx.undo.runAll()) book.compensated(line);
      book.enterError();
      await reportToKube(ctx, {
        type: 'Warning',
        reason: 'ProvisioningFailed',
        message: `${book.lastError?.phase} failed: ${book.lastError?.message}`,
      });
    });
    if (input.onError === 'return') return book.snapshot();
    await condition(() => retry !== undefined);
    from = restartPhase(retry!, book);
    if (retry!.bfb) spec = ctx.spec = { ...spec, bfb: retry!.bfb };
    retry = undefined;
    book.retried();
  }

  ctx.undo.clear();
  if (ctx.nodeEffectApplied) await kube.removeNodeEffect(ctx.nodeEffectApplied);
  book.enter(Phase.Ready);
  const ready = `${spec.name} runs ${ctx.learnt.bfb?.fileName ?? 'its BFB'} with ${spec.numVfs} VFs`;
  book.done(Phase.Ready, ready);
  await reportToKube(ctx, { type: 'Normal', reason: 'Ready', message: ready });
  return book.snapshot();
}

/** Runs the phases from `from` on; returns the phase that failed, or undefined when all are done. */
async function runPhases(ctx: FlowContext, from: Phase): Promise<Phase | undefined> {
  const start = STEPS.findIndex(([p]) => p === from);
  for (const [phase, step] of STEPS.slice(start)) {
    ctx.book.enter(phase);
    try {
      await reportToKube(ctx, { type: 'Normal', reason: 'PhaseChanged', message: `entered ${phase}` });
      const outcome = await step(ctx);
      if ('skipped' in outcome) ctx.book.skip(phase, outcome.skipped);
      else ctx.book.done(phase, outcome.done);
    } catch (err) {
      if (isCancellation(err)) {
        // The DPU object was deleted or changed: undo this attempt, then end as cancelled.
        await CancellationScope.nonCancellable(async () => {
          ctx.book.fail(phase, 'cancelled', true);
          for (const line of await ctx.undo.runAll()) ctx.book.compensated(line);
        });
        throw err;
      }
      const why = describeFailure(
        err,
        phase === Phase.Initializing || phase === Phase.HostNetworkConfiguration
          ? {
              worker: `host worker for ${ctx.spec.node}`,
              remedy: 'start the host worker on that node (or check the node name)',
            }
          : undefined,
      );
      ctx.book.fail(phase, why.message, why.nonRetryable);
      return phase;
    }
  }
  return undefined;
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
