/** The control worker's tuning flags and variables (workers/worker-tuning.ts) and the Worker.create options they become. */
import { Command } from 'commander';
import { noopMetricMeter } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { compileWorkerOptions } from '@temporalio/worker/lib/worker-options';
import { workerCommand } from '../../cli/worker-commands';
import {
  CONTROL_TUNING_DEFAULTS,
  TUNING_SETTINGS,
  tuningFlags,
  tuningFrom,
  tuningWorkerOptions,
} from '../../workers/worker-tuning';

test('a flag wins over its variable, a variable over the default; each becomes its WorkerOptions field', () => {
  const t = tuningFrom(
    tuningFlags(['--max-cached-workflows', '300', '--workflow-task-slots', '20']),
    { XPUFLOW_MAX_CACHED_WORKFLOWS: '50', XPUFLOW_WORKFLOW_TASK_POLLS: '4', XPUFLOW_WORKFLOW_THREADS: '2' },
    { activityTaskSlots: 64 },
  );
  expect(t).toEqual({
    maxCachedWorkflows: 300,
    workflowTaskSlots: 20,
    workflowTaskPolls: 4,
    workflowThreads: 2,
    activityTaskSlots: 64,
  });
  expect(tuningWorkerOptions(t)).toEqual({
    maxCachedWorkflows: 300,
    maxConcurrentWorkflowTaskExecutions: 20,
    maxConcurrentWorkflowTaskPolls: 4,
    workflowThreadPoolSize: 2,
    maxConcurrentActivityTaskExecutions: 64,
  });
  // Nothing set: nothing passed, the SDK's defaults hold.
  expect(tuningWorkerOptions(tuningFrom({}, {}, {}))).toEqual({});
});

test('a value that is no whole number, or below its bound, is refused naming the flag or the variable', () => {
  expect(() => tuningFrom({ workflowTaskPolls: '1' }, {})).toThrow(
    '--workflow-task-polls "1": give a whole number of at least 2',
  );
  expect(() => tuningFrom({}, { XPUFLOW_ACTIVITY_TASK_SLOTS: '1.5' })).toThrow(
    'XPUFLOW_ACTIVITY_TASK_SLOTS "1.5": give a whole number of at least 1',
  );
  expect(() => tuningFlags(['--max-cached-workflows'])).toThrow('--max-cached-workflows needs a value');
});

test('more polls than slots is refused, naming both', () => {
  expect(() => tuningFrom({ activityTaskPolls: '20', activityTaskSlots: '8' }, {}, {})).toThrow(
    '--activity-task-polls (XPUFLOW_ACTIVITY_TASK_POLLS) 20 is more than --activity-task-slots (XPUFLOW_ACTIVITY_TASK_SLOTS) 8',
  );
  // Against the SDK's default of 40 workflow task slots when none is given.
  expect(() => tuningFrom({ workflowTaskPolls: '41' }, {}, {})).toThrow('is more than --workflow-task-slots');
});

test('`xpuflow worker control --help` lists every tuning flag with its variable and its default', () => {
  const control = workerCommand().commands.find((c: Command) => c.name() === 'control')!;
  const help = control.helpInformation().replace(/\s+/g, ' '); // as one line: commander wraps it
  for (const s of TUNING_SETTINGS) {
    expect(help).toContain(s.flag);
    expect(help).toContain(`$${s.env}`);
    const d = CONTROL_TUNING_DEFAULTS[s.key];
    if (d !== undefined) expect(help).toContain(`default ${d}`);
  }
});

test('--workflow-threads 0 runs workflows on the main thread, with the deadlock detector kept at 5 s', () => {
  const options = tuningWorkerOptions(tuningFrom({ workflowThreads: '0' }, {}, {}));
  expect(options).toEqual({ debugMode: true, isolateExecutionTimeout: '5s' });
  // What Worker.create makes of them: debugMode alone would lift the limit to 2^32 ms.
  const compiled = compileWorkerOptions(
    { taskQueue: 'q', workflowBundle: { code: '' }, ...options },
    new DefaultLogger('ERROR'),
    noopMetricMeter,
  );
  expect(compiled.debugMode).toBe(true);
  expect(compiled.isolateExecutionTimeoutMs).toBe(5000);
  expect(() => tuningFrom({}, { XPUFLOW_WORKFLOW_THREADS: '-1' })).toThrow(
    'XPUFLOW_WORKFLOW_THREADS "-1": give a whole number of at least 0',
  );
});

test('the control worker runs workflows on one thread of their own unless told otherwise (README "Worker tuning": a lower makespan, the same peak RSS, in two fleet runs side by side)', () => {
  expect(tuningWorkerOptions(tuningFrom({}, {}))).toMatchObject({ workflowThreadPoolSize: 1 });
  expect(tuningWorkerOptions(tuningFrom({}, {}))).not.toHaveProperty('debugMode');
  // The main thread is still there for the asking.
  expect(tuningWorkerOptions(tuningFrom({}, { XPUFLOW_WORKFLOW_THREADS: '0' }))).toMatchObject({
    debugMode: true,
    isolateExecutionTimeout: '5s',
  });
});
