/**
 * A worker's cache, pollers, slots and workflow threads: the Temporal
 * WorkerOptions that decide how much one worker process takes on at once.
 * Each is a flag of `xpuflow worker control` and an environment variable (the
 * chart's `controlWorker.tuning` values set the variables). The defaults are
 * the figures measured with bench/provision-fleet.ts (README "Worker
 * tuning"); a value left unset is the SDK's default.
 */
import type { WorkerOptions } from '@temporalio/worker';

export interface WorkerTuning {
  /** Workflow runs kept in memory between tasks (maxCachedWorkflows); an evicted run is replayed from its history. */
  maxCachedWorkflows?: number;
  /** Long polls for workflow tasks at once (maxConcurrentWorkflowTaskPolls). */
  workflowTaskPolls?: number;
  /** Long polls for activity tasks at once (maxConcurrentActivityTaskPolls). */
  activityTaskPolls?: number;
  /** Workflow tasks run at once (maxConcurrentWorkflowTaskExecutions). */
  workflowTaskSlots?: number;
  /** Activities run at once (maxConcurrentActivityTaskExecutions). */
  activityTaskSlots?: number;
  /** Local activities run at once (maxConcurrentLocalActivityExecutions). */
  localActivitySlots?: number;
  /** Threads that run workflow code (workflowThreadPoolSize); 0: the main thread runs it (see MAIN_THREAD_WORKFLOWS). */
  workflowThreads?: number;
}

/** One setting: its flag, its environment variable, its lower bound. */
interface Setting {
  key: keyof WorkerTuning;
  flag: string;
  env: string;
  min: number;
  help: string;
}

export const TUNING_SETTINGS: readonly Setting[] = [
  {
    key: 'maxCachedWorkflows',
    flag: '--max-cached-workflows',
    env: 'XPUFLOW_MAX_CACHED_WORKFLOWS',
    min: 0,
    help: 'workflow runs kept in memory between tasks; an evicted run is replayed from its history',
  },
  {
    key: 'workflowTaskPolls',
    flag: '--workflow-task-polls',
    env: 'XPUFLOW_WORKFLOW_TASK_POLLS',
    min: 2,
    help: 'long polls for workflow tasks at once (at least 2, at most --workflow-task-slots)',
  },
  {
    key: 'activityTaskPolls',
    flag: '--activity-task-polls',
    env: 'XPUFLOW_ACTIVITY_TASK_POLLS',
    min: 1,
    help: 'long polls for activity tasks at once (at most --activity-task-slots)',
  },
  {
    key: 'workflowTaskSlots',
    flag: '--workflow-task-slots',
    env: 'XPUFLOW_WORKFLOW_TASK_SLOTS',
    min: 2,
    help: 'workflow tasks run at once',
  },
  {
    key: 'activityTaskSlots',
    flag: '--activity-task-slots',
    env: 'XPUFLOW_ACTIVITY_TASK_SLOTS',
    min: 1,
    help: 'activities run at once (heartbeating waits on DMS and Kubernetes hold a slot each)',
  },
  {
    key: 'localActivitySlots',
    flag: '--local-activity-slots',
    env: 'XPUFLOW_LOCAL_ACTIVITY_SLOTS',
    min: 1,
    help: 'local activities run at once (short DMS reads, bf.cfg installs, status writes)',
  },
  {
    key: 'workflowThreads',
    flag: '--workflow-threads',
    env: 'XPUFLOW_WORKFLOW_THREADS',
    min: 0,
    help: "threads that run workflow code; 0 runs it on the process's main thread, without a second V8 heap",
  },
];

/**
 * The control worker's defaults, from the fleet benchmark on a shared 2-core
 * machine (README "Worker tuning" has the figures and the commands):
 * - a cache of 1,000 runs: a run in flight costs the worker about 1.1 MiB,
 *   so 1,000 fit the chart's 2 GiB limit with its 211 MiB idle; the SDK's own
 *   default follows the V8 heap limit, i.e. the node's memory (2,311 on a
 *   24 GiB machine), not the pod's. A smaller cache saves no memory at 100
 *   runs in flight and costs CPU in replays (+35 % with 25);
 * - one workflow thread (workflowThreads 1): workflow code off the event loop
 *   that streams BFBs to DMS and heartbeats. With the process memory settings
 *   (workers/control/process-memory.ts) the main thread saved no memory (peak
 *   295 and 317 MiB against 312 and 316 at 200 DPUs, two pairs on a quiet
 *   machine) and cost time: makespan / one DPU alone 1.75 and 1.77 against
 *   1.59 and 1.59, 176 against 144 ms of CPU per DPU. 0 runs workflows on the
 *   main thread (it saved 13 to 143 MiB before those settings);
 * - pollers and slots: the SDK's (fewer made no difference beyond the noise).
 */
export const CONTROL_TUNING_DEFAULTS: WorkerTuning = { maxCachedWorkflows: 1000, workflowThreads: 1 };

function parseSetting(s: Setting, raw: string, from: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < s.min) {
    throw new Error(`${from} ${JSON.stringify(raw)}: give a whole number of at least ${s.min} (${s.help})`);
  }
  return n;
}

/**
 * The tuning from `values` (a flag's value by key, as commander gives them),
 * else the environment, else `defaults`. Refuses a value that is no whole
 * number or below its bound, and pollers beyond their slots, naming the flag
 * and the variable.
 */
export function tuningFrom(
  values: Partial<Record<keyof WorkerTuning, string | undefined>>,
  env: NodeJS.ProcessEnv = process.env,
  defaults: WorkerTuning = CONTROL_TUNING_DEFAULTS,
): WorkerTuning {
  const t: WorkerTuning = { ...defaults };
  for (const s of TUNING_SETTINGS) {
    const flag = values[s.key];
    if (flag !== undefined) t[s.key] = parseSetting(s, flag, s.flag);
    else if (env[s.env] !== undefined && env[s.env] !== '') t[s.key] = parseSetting(s, env[s.env]!, s.env);
  }
  const pairs: [keyof WorkerTuning, keyof WorkerTuning, number][] = [
    ['workflowTaskPolls', 'workflowTaskSlots', 40],
    ['activityTaskPolls', 'activityTaskSlots', 100],
  ];
  for (const [polls, slots, sdkDefault] of pairs) {
    const p = t[polls];
    const n = t[slots] ?? sdkDefault;
    if (p !== undefined && p > n) {
      const [pf, sf] = [polls, slots].map((k) => TUNING_SETTINGS.find((s) => s.key === k)!);
      throw new Error(
        `${pf.flag} (${pf.env}) ${p} is more than ${sf.flag} (${sf.env}) ${n}: a poll takes a slot; lower the polls or raise the slots`,
      );
    }
  }
  return t;
}

/** Reads the flags of TUNING_SETTINGS from a command line (`--max-cached-workflows 200` …). */
export function tuningFlags(argv: string[]): Partial<Record<keyof WorkerTuning, string>> {
  const out: Partial<Record<keyof WorkerTuning, string>> = {};
  for (const s of TUNING_SETTINGS) {
    const i = argv.indexOf(s.flag);
    if (i >= 0) {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new Error(`${s.flag} needs a value (${s.help})`);
      out[s.key] = v;
    }
  }
  return out;
}

/**
 * Workflows on the main thread: the SDK runs them in a worker thread, a V8
 * isolate with its own heap and young generation, unless `debugMode` is set;
 * then they run in a reused `vm` context of the main thread
 * (ReusableVMWorkflowCreator, the path the SDK's own Worker.runReplayHistories
 * takes: @temporalio/worker lib/worker.js createWorkflowCreator, v1.24).
 * `debugMode` also lifts the deadlock detector's limit to 2^32 ms; it is set
 * back to the SDK's 5 s, so a workflow that blocks is still failed as a
 * deadlock. Activities and workflow tasks then share one event loop.
 */
export const MAIN_THREAD_WORKFLOWS: Pick<WorkerOptions, 'debugMode'> = {
  debugMode: true,
  // Not in WorkerOptions' type ("not exposed at the moment", WorkerOptionsWithDefaults in
  // lib/worker-options.d.ts), but Worker.create keeps it: addDefaultWorkerOptions spreads the
  // options given over its defaults. test/unit/worker-tuning.test.ts checks the compiled value.
  ...({ isolateExecutionTimeout: '5s' } as object),
};

/** The tuning as Worker.create options; what is unset stays the SDK's default. */
export function tuningWorkerOptions(
  t: WorkerTuning,
): Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentWorkflowTaskPolls'
  | 'maxConcurrentActivityTaskPolls'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
  | 'workflowThreadPoolSize'
  | 'debugMode'
> {
  return {
    ...(t.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: t.maxCachedWorkflows } : {}),
    ...(t.workflowTaskPolls !== undefined ? { maxConcurrentWorkflowTaskPolls: t.workflowTaskPolls } : {}),
    ...(t.activityTaskPolls !== undefined ? { maxConcurrentActivityTaskPolls: t.activityTaskPolls } : {}),
    ...(t.workflowTaskSlots !== undefined
      ? { maxConcurrentWorkflowTaskExecutions: t.workflowTaskSlots }
      : {}),
    ...(t.activityTaskSlots !== undefined
      ? { maxConcurrentActivityTaskExecutions: t.activityTaskSlots }
      : {}),
    ...(t.localActivitySlots !== undefined
      ? { maxConcurrentLocalActivityExecutions: t.localActivitySlots }
      : {}),
    ...(t.workflowThreads === 0
      ? MAIN_THREAD_WORKFLOWS
      : t.workflowThreads !== undefined
        ? { workflowThreadPoolSize: t.workflowThreads }
        : {}),
  };
}
