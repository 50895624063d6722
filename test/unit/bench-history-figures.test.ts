/**
 * The figures the benchmarks read from workflow histories: estimated Temporal
 * Actions (bench/history-cost.ts) and the most children of a DPUSet rollout
 * running at once (bench/rollout-record.ts).
 */
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { loadHistoryFile } from '../../cli/history/load';
import { actionsOf } from '../../bench/history-cost';
import { childTimes, childrenInFlight } from '../../bench/rollout-record';
import { timelineOf } from '../../bench/flow-timeline';

const T = temporal.api.enums.v1.EventType;
type Event = temporal.api.history.v1.IHistoryEvent;

const upsert = (...fields: string[]): Event => ({
  eventType: T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  upsertWorkflowSearchAttributesEventAttributes: {
    searchAttributes: { indexedFields: Object.fromEntries(fields.map((f) => [f, {}])) },
  },
});
const marker = (markerName: string): Event => ({
  eventType: T.EVENT_TYPE_MARKER_RECORDED,
  markerRecordedEventAttributes: { markerName },
});
const of = (eventType: temporal.api.enums.v1.EventType): Event => ({ eventType });

test('Actions: starts, upserts, activities with their retries, local activities per task, timers, signals, children', () => {
  const events: Event[] = [
    { eventType: T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, workflowExecutionStartedEventAttributes: {} }, // 1
    of(T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
    of(T.EVENT_TYPE_WORKFLOW_TASK_STARTED),
    of(T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    upsert('TemporalChangeVersion'), // 0: patched() is exempt
    upsert('XpuflowPhase', 'XpuflowDpu'), // 1: one per command, however many attributes
    marker('core_patch'), // 0: not a local activity
    marker('core_local_activity'), // 1
    marker('core_local_activity'), // 0: same workflow task
    of(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), // 1
    { eventType: T.EVENT_TYPE_ACTIVITY_TASK_STARTED, activityTaskStartedEventAttributes: { attempt: 3 } }, // 2 retries
    of(T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
    of(T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    marker('core_local_activity'), // 1: a new workflow task
    of(T.EVENT_TYPE_TIMER_STARTED), // 1
    of(T.EVENT_TYPE_TIMER_FIRED),
    of(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED), // 1
    of(T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED), // 1
    of(T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED), // 2
    of(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED),
    of(T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
  ];
  expect(actionsOf(events)).toBe(12);
});

test("a child's own start is not billed again: its parent's initiation counted it", () => {
  const childStart: Event = {
    eventType: T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    workflowExecutionStartedEventAttributes: { parentWorkflowExecution: { workflowId: 'parent' } },
  };
  expect(actionsOf([childStart, of(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)])).toBe(1);
});

test('children in flight: a captured rollout with maxUnavailable 1 ran its 3 children one at a time', () => {
  const history = loadHistoryFile(path.join(__dirname, '..', 'histories', 'dpuset-rollout-complete.json'));
  expect(childrenInFlight(history.events ?? [])).toEqual({ children: 3, mostInFlight: 1 });
});

test('children in flight: overlapping children count together, and every way a child ends frees its slot', () => {
  const started = of(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED);
  const events = [
    started,
    started,
    of(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED),
    started,
    started, // 3 running
    of(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED),
    of(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT),
    of(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED),
    started,
    of(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED),
  ];
  expect(childrenInFlight(events)).toEqual({ children: 5, mostInFlight: 3 });
});

test('child times: a captured rollout of 3 children one at a time, by its event times', () => {
  // dpuset-rollout-local-kube-calls.json: started 23:04:04.475; children started 04:07.196, 05:24.729, 05:36.280 and
  // ended 05:24.458, 05:36.136, 05:46.454 (the first child took 77 s there).
  const history = loadHistoryFile(
    path.join(__dirname, '..', 'histories', 'dpuset-rollout-local-kube-calls.json'),
  );
  const t = childTimes(history.events ?? []);
  expect(t.firstStartMs).toBe(2721);
  expect(t.meanChildMs).toBeCloseTo((77262 + 11407 + 10174) / 3, 0);
  expect(t.meanRefillMs).toBeCloseTo((271 + 144) / 2, 0);
  expect(t.maxRefillMs).toBe(271);
});

test('child times: a start fills the slot of the earliest end still open; ends after the last start refill nothing', () => {
  // Made as the client makes them (Long seconds and event IDs), from plain numbers.
  const ev = (eventType: temporal.api.enums.v1.EventType, ms: number, extra: object = {}): Event =>
    temporal.api.history.v1.HistoryEvent.fromObject({
      eventType,
      eventTime: { seconds: 1000, nanos: ms * 1e6 },
      ...extra,
    });
  const started = (ms: number, initiatedEventId: number) =>
    ev(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, ms, {
      childWorkflowExecutionStartedEventAttributes: { initiatedEventId },
    });
  const events = [
    ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 0),
    started(100, 1),
    started(100, 2),
    ev(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, 300, {
      childWorkflowExecutionCompletedEventAttributes: { initiatedEventId: 1 },
    }),
    ev(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED, 400, {
      childWorkflowExecutionFailedEventAttributes: { initiatedEventId: 2 },
    }),
    started(450, 3), // fills the slot freed at 300
    started(900, 4), // and this one the slot freed at 400
    ev(T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, 950, {
      childWorkflowExecutionCompletedEventAttributes: { initiatedEventId: 3 },
    }),
  ];
  expect(childTimes(events)).toEqual({
    firstStartMs: 100,
    meanChildMs: (200 + 300 + 500) / 3,
    meanRefillMs: (150 + 500) / 2,
    maxRefillMs: 500,
  });
});

const at = (sec: number) => ({ seconds: String(1000 + Math.floor(sec)), nanos: Math.round((sec % 1) * 1e9) });

test("a run's timeline: every second from the start call to the last event in one bucket, retries named", () => {
  // Plain numbers and strings where the protobuf types say Long: what a history read from JSON holds.
  const events = [
    { eventId: 1, eventTime: at(1), eventType: T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
    { eventId: 2, eventTime: at(1), eventType: T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED },
    {
      eventId: 3,
      eventTime: at(4), // 3 s queued
      eventType: T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      workflowTaskStartedEventAttributes: { scheduledEventId: 2 },
    },
    {
      eventId: 4,
      eventTime: at(4.5),
      eventType: T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      workflowTaskCompletedEventAttributes: { scheduledEventId: 2 },
    },
    {
      eventId: 5,
      eventTime: at(4.5),
      eventType: T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
      activityTaskScheduledEventAttributes: {
        activityType: { name: 'probeHost' },
        taskQueue: { name: 'xpuflow-host-h1' },
      },
    },
    {
      eventId: 6,
      eventTime: at(10.5), // 6 s between a failed first attempt and this one
      eventType: T.EVENT_TYPE_ACTIVITY_TASK_STARTED,
      activityTaskStartedEventAttributes: {
        scheduledEventId: 5,
        attempt: 2,
        lastFailure: { message: 'sysfs busy' },
      },
    },
    {
      eventId: 7,
      eventTime: at(12.5),
      eventType: T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
      activityTaskCompletedEventAttributes: { scheduledEventId: 5 },
    },
  ] as unknown as Event[];
  const t = timelineOf('w', 0.5 * 1000 + 1000 * 1000, events);
  expect(Object.fromEntries(t.buckets)).toEqual({
    'start call': 500,
    'workflow task queue': 3000,
    'workflow task run': 500,
    'retry backoff probeHost': 6000,
    'activity probeHost': 2000,
  });
  expect([...t.buckets.values()].reduce((a, b) => a + b, 0)).toBe(t.endMs - t.calledMs);
  expect(t.retried).toEqual([{ what: 'probeHost: sysfs busy', attempt: 2 }]);
  expect(t.firstTaskMs - t.startedMs).toBe(3000);
  expect(t.firstActivityMs - t.startedMs).toBe(9500);
});

test('a captured run alone: its buckets add up to its span, and name the workflow tasks and the BFB transfer', () => {
  const history = loadHistoryFile(
    path.join(__dirname, '..', 'histories', 'provision-dpu-ready-fewer-events.json'),
  );
  const events = history.events ?? [];
  const t = timelineOf('w', Number(events[0].eventTime?.seconds) * 1000, events);
  const sum = [...t.buckets.values()].reduce((a, b) => a + b, 0);
  expect(Math.abs(sum - (t.endMs - t.calledMs))).toBeLessThan(1);
  expect([...t.buckets.keys()]).toEqual(
    expect.arrayContaining(['workflow task run', 'activity dmsInstallBfb']),
  );
});

test("a run's timeline: a workflow task that timed out is counted, and its unrecorded retry's wait is 'other'", () => {
  const events = [
    { eventId: 1, eventTime: at(0), eventType: T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
    { eventId: 2, eventTime: at(0), eventType: T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED },
    {
      eventId: 3,
      eventTime: at(1),
      eventType: T.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      workflowTaskStartedEventAttributes: { scheduledEventId: 2 },
    },
    {
      eventId: 4,
      eventTime: at(11),
      eventType: T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
      workflowTaskTimedOutEventAttributes: {
        scheduledEventId: 2,
        timeoutType: temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
      },
    },
    { eventId: 5, eventTime: at(15), eventType: T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED },
  ] as unknown as Event[];
  const t = timelineOf('w', 1000 * 1000, events);
  expect(Object.fromEntries(t.buckets)).toEqual({
    'workflow task queue': 1000,
    'workflow task run': 10000,
    other: 4000,
  });
  expect(t.retried).toEqual([{ what: 'workflow task: timeout TIMEOUT_TYPE_START_TO_CLOSE', attempt: 2 }]);
});
