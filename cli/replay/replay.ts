/**
 * Replays a history against the workflow code of this build, as a worker
 * deploying it would, and when it breaks determinism, finds the first
 * workflow task whose commands no longer match and names it: the event, the
 * phase the run was in, and what the history recorded there.
 */
import fs from 'node:fs';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { DataConverter } from '@temporalio/common';
import { WORKFLOW_BUNDLE } from '../../workers/control/bundle-workflows';
import { workflowBundleOptions } from '../../workers/workflow-bundle-options';
import { eventId, phaseAt, phaseSpans } from '../history/events';
import { eventTypeName, type History } from '../history/load';

export interface ReplayOptions {
  /** Workflow interceptor modules to bundle in (tests use one to make a deliberate change). */
  interceptorModules?: string[];
  dataConverter?: DataConverter;
}

export type ReplayResult =
  | { ok: true; events: number }
  | {
      ok: false;
      events: number;
      /** The first event of the step the current code no longer produces. */
      eventId?: number;
      phase?: string;
      /** What the history recorded at that step, e.g. "ActivityTaskScheduled fetchBfb". */
      step?: string;
      detail: string;
    };

export async function replay(
  history: History,
  workflowId: string,
  opts: ReplayOptions = {},
): Promise<ReplayResult> {
  const code = await workflowCode(opts);
  const run = async (h: History) => {
    try {
      await Worker.runReplayHistory(
        { workflowBundle: { code }, ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}) },
        h,
        workflowId,
      );
      return undefined;
    } catch (err) {
      if (err instanceof DeterminismViolationError) return err;
      throw err;
    }
  };
  const events = history.events ?? [];
  const failure = await run(history);
  if (!failure) return { ok: true, events: events.length };

  // Prefixes that end at a WorkflowTaskStarted check every task before it; find the shortest that fails.
  const cuts = events.flatMap((e, i) => (e.workflowTaskStartedEventAttributes ? [i + 1] : []));
  cuts.push(events.length);
  let lo = 0;
  let hi = cuts.length - 1; // cuts[hi] fails
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await run({ events: events.slice(0, cuts[mid]) })) hi = mid;
    else lo = mid + 1;
  }
  // The failing task's commands are the events it recorded after its WorkflowTaskCompleted.
  const prefix = events.slice(0, cuts[hi]);
  const previousStartIndex = hi > 0 ? cuts[hi - 1] : 0;
  const completed = prefix.find((e, i) => i >= previousStartIndex && e.workflowTaskCompletedEventAttributes);
  const detail = sdkDetail(failure.message);
  const stepEvent = completed ? mismatchedCommand(events, eventId(completed), detail) : events[cuts[hi] - 1];
  const spans = phaseSpans(history);
  const id = stepEvent ? eventId(stepEvent) : undefined;
  return {
    ok: false,
    events: events.length,
    eventId: id,
    phase: id !== undefined ? phaseAt(spans, id) : undefined,
    step: stepEvent ? describeEvent(stepEvent) : undefined,
    detail,
  };
}

async function workflowCode(opts: ReplayOptions): Promise<string> {
  if (!opts.interceptorModules?.length && fs.existsSync(WORKFLOW_BUNDLE) && __filename.endsWith('.js')) {
    return fs.readFileSync(WORKFLOW_BUNDLE, 'utf8');
  }
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(require.resolve('../../workflows')),
    workflowInterceptorModules: opts.interceptorModules,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
  return code;
}

/** Of the commands a task recorded, the one the SDK names (quoted), else the first that is not an upsert. */
function mismatchedCommand(events: NonNullable<History['events']>, completedId: number, detail: string) {
  const commands = events.filter((e) =>
    Object.values(e).some(
      (v) =>
        v !== null &&
        typeof v === 'object' &&
        'workflowTaskCompletedEventId' in v &&
        Number((v as { workflowTaskCompletedEventId: unknown }).workflowTaskCompletedEventId) === completedId,
    ),
  );
  const named = commands.find((e) => {
    const name = describeEvent(e).split(' ')[1];
    return name !== undefined && detail.includes(`'${name}'`);
  });
  return named ?? commands.find((e) => !e.upsertWorkflowSearchAttributesEventAttributes) ?? commands[0];
}

function describeEvent(e: NonNullable<History['events']>[number]): string {
  const what =
    e.activityTaskScheduledEventAttributes?.activityType?.name ??
    e.timerStartedEventAttributes?.startToFireTimeout?.seconds?.toString().concat(' s timer') ??
    e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ??
    e.markerRecordedEventAttributes?.markerName ??
    '';
  return `${eventTypeName(e)}${what ? ` ${what}` : ''}`;
}

/** The SDK's own words, without the Rust struct around them. */
function sdkDetail(message: string): string {
  const m = /\[TMPRL1100\][^"]*/.exec(message);
  return m ? m[0].trim() : message;
}
