/**
 * ProvisionDpu on Temporal's time-skipping test server, with the real
 * activities against the real simulators (gRPC DMS, sysfs tree + kernel, BFB
 * HTTP server). The DMS simulators read the test server's clock, so a
 * 40-minute flash and a 10-minute reboot pass in seconds of wall time.
 *
 * Nothing here sends an update: the operator's retry (an update) is tested on
 * a real dev server in provision-dpu-retry.test.ts, because this server's
 * update handling can hang.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DpuSpec, DpuStatus } from '../../model/dpu';
import { Phase } from '../../model/phases';
import { operatorRebootedSignal, statusQuery } from '../../model/dpu-provision-api';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';
import { startSimFleet, type SimFleet } from '../../sim/fleet';
import { readNumVfs } from '../../activities/sysfs';
import { runProvisionWorkers, type RunningWorkers } from '../support/in-process-workers';
import { registerSearchAttributes } from '../support/search-attributes';
import { testServerBinary } from '../support/tools';
import { provisionDpu } from '../../workflows';

jest.setTimeout(180_000);

let env: TestWorkflowEnvironment;
let fleet: SimFleet;
let dir: string;
let workers: RunningWorkers | undefined;
let seq = 0;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerBinary() } },
  });
  await registerSearchAttributes(env.connection);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-wf-'));
  fleet = await startSimFleet({
    dir,
    hosts: 1,
    dpusPerHost: 12,
    flashMs: 40 * 60_000,
    rebootMs: 10 * 60_000,
    bfbSizeBytes: 3 * 2 ** 20 + 123,
    clock: () => env.currentTimeMs(),
    timing: {
      expectedFlashSeconds: 40 * 60,
      flashTimeoutSeconds: 120 * 60,
      pollInitialSeconds: 10,
      pollMaxSeconds: 120,
      hostScheduleToStartSeconds: 30,
    },
  });
  workers = await runProvisionWorkers(env.nativeConnection, fleet, dir);
});

afterAll(async () => {
  await workers?.stop();
  await fleet?.stop();
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Each test takes its own DPU of the fleet. */
function nextDpu() {
  const d = fleet.dpus[seq++];
  return { d, spec: structuredClone(d.spec) as DpuSpec };
}

function start(spec: DpuSpec) {
  return env.client.workflow.start(provisionDpu, {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId: `wf-test-${spec.name}-${seq}`,
    args: [{ spec }],
  });
}

async function until(
  handle: ReturnType<typeof env.client.workflow.getHandle>,
  pred: (s: DpuStatus) => boolean,
): Promise<DpuStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await handle.query(statusQuery);
    if (pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(s)}`);
    await env.sleep(5_000); // advances the test server's clock
  }
}

/** The activities a run scheduled, in order, with their decoded input and the attempt that ran last. */
async function scheduled(handle: ReturnType<typeof env.client.workflow.getHandle>) {
  const { events } = await handle.fetchHistory();
  const out: Array<{ name: string; input: Record<string, unknown>; attempts: number }> = [];
  const byId = new Map<string, (typeof out)[number]>();
  for (const e of events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a) {
      const payload = a.input?.payloads?.[0];
      const row = {
        name: a.activityType?.name ?? '',
        input: (payload ? defaultPayloadConverter.fromPayload(payload) : {}) as Record<string, unknown>,
        attempts: 0,
      };
      out.push(row);
      byId.set(String(e.eventId), row);
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const row = byId.get(String(started.scheduledEventId));
      if (row) row.attempts = started.attempt ?? 1;
    }
  }
  return out;
}

test('a 40-minute flash and a 10-minute reboot finish in seconds, through every phase to Ready', async () => {
  const { d, spec } = nextDpu();
  const wall = Date.now();
  const startedAt = await env.currentTimeMs();
  const handle = await env.client.workflow.start(provisionDpu, {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId: `wf-test-${spec.name}`,
    args: [{ spec }],
  });
  const status: DpuStatus = await handle.result();
  const skipped = (await env.currentTimeMs()) - startedAt;
  expect(Date.now() - wall).toBeLessThan(60_000);
  expect(skipped).toBeGreaterThanOrEqual(50 * 60_000);
  expect(status.phase).toBe(Phase.Ready);
  expect(status.phases.map((p) => [p.phase, p.result])).toEqual([
    [Phase.Initializing, 'done'],
    [Phase.NodeEffect, 'skipped'],
    [Phase.Pending, 'done'],
    [Phase.DmsDeployment, 'skipped'],
    [Phase.OsInstalling, 'done'],
    [Phase.Rebooting, 'done'],
    [Phase.HostNetworkConfiguration, 'done'],
    [Phase.DpuClusterConfig, 'skipped'],
    [Phase.Ready, 'done'],
  ]);
  expect(status.phases[1].message).toBe('skipped: no cluster configured');
  expect(status.conditions.every((c) => c.status === 'True')).toBe(true);
  const dms = await d.dms.state();
  expect(dms.runningVersion).toBe('bf-bundle-2.9.1-sim.bfb');
  expect(d.dms.counters.flashes).toBe(1);
  expect(d.dms.counters.reboots).toBe(1);
  expect(await readNumVfs(d.host.sysfsRoot, spec.pciAddress)).toBe(spec.numVfs);

  // DPF's way: the bf.cfg staged as a `.cfg` package, ONE Activate of `<bfb>;<cfg>` with
  // no_reboot false, the reboot done by DMS (no Reboot RPC), RebootStatus asked about CPU.
  const calls = await scheduled(handle);
  // The bf.cfg is rendered and sent by local activities (one marker each), so its version is read from DMS.
  const cfg = dms.runningCfg ?? '';
  expect(cfg).toMatch(/\.cfg$/);
  const activates = calls.filter((c) => c.name === 'dmsActivate');
  expect(activates).toHaveLength(1);
  expect(activates[0].input).toMatchObject({
    version: `bf-bundle-2.9.1-sim.bfb;${cfg}`,
    noReboot: false,
    once: { bfb: 'bf-bundle-2.9.1-sim.bfb' },
  });
  expect(dms.lastReboot?.reason).toBe(`activate bf-bundle-2.9.1-sim.bfb;${cfg}`);
  expect(calls.some((c) => c.name === 'dmsReboot')).toBe(false);
  // 50 minutes of flash and reboot waited on by ONE activity retried on a backoff, asking about CPU;
  // no workflow-level poll loop: no timer, no dmsRebootStatus activity per look.
  const waits = calls.filter((c) => c.name === 'dmsAwaitReboot');
  expect(waits).toHaveLength(1);
  expect(waits[0].input).toMatchObject({ subcomponent: 'CPU', newerThan: { count: expect.any(Number) } });
  expect(waits[0].attempts).toBeGreaterThan(1);
  expect(calls.filter((c) => c.name === 'dmsRebootStatus')).toEqual([]);
  const { events } = await handle.fetchHistory();
  expect((events ?? []).filter((e) => e.timerStartedEventAttributes)).toEqual([]);
  const osInstalling = status.phases.find((p) => p.phase === Phase.OsInstalling)?.message ?? '';
  expect(osInstalling).toContain(`DMS flashed bf-bundle-2.9.1-sim.bfb with ${cfg} and rebooted ${spec.name}`);
  expect(status.phases.find((p) => p.phase === Phase.Rebooting)?.message).toContain(
    'rebooted by DMS on activation',
  );
});

test('an Activate whose answer is lost is retried without a second flash: the retry finds the activation under way', async () => {
  const { d, spec } = nextDpu();
  d.dms.injectFault({ kind: 'LOSE_ANSWER', rpc: 'Activate' });
  const handle = await start(spec);
  const status = await handle.result();
  expect(status.phase).toBe(Phase.Ready);
  expect(d.dms.counters.flashes).toBe(1);
  expect(d.dms.counters.reboots).toBe(1);
  const activates = (await scheduled(handle)).filter((c) => c.name === 'dmsActivate');
  expect(activates).toHaveLength(1);
  expect(activates[0].attempts).toBe(2);
  expect((await d.dms.state()).runningVersion).toBe('bf-bundle-2.9.1-sim.bfb');
});

test('a flash that fails under DMS ends OS Installing in Error with the CPU reboot status and its reason', async () => {
  const { d, spec } = nextDpu();
  d.dms.injectFault({ kind: 'FLASH_FAIL' });
  const handle = await start(spec);
  const failed = await until(handle, (s) => s.phase === Phase.Error);
  expect(failed.lastError?.phase).toBe(Phase.OsInstalling);
  expect(failed.lastError?.nonRetryable).toBe(true);
  expect(failed.lastError?.message).toContain('STATUS_FAILURE');
  expect(failed.lastError?.message).toContain('FLASH_FAIL');
  expect(d.dms.counters.flashes).toBe(1);
  await handle.terminate('test done');
});

test('without automatic reboot the flow says it waits for an operator, then goes on after the signal', async () => {
  const { d, spec } = nextDpu();
  spec.automaticReboot = false;
  const handle = await start(spec);
  const waiting = await until(handle, (s) => s.phase === Phase.Rebooting && !!s.waitingFor);
  expect(waiting.waitingFor).toContain(`xpuflow dpu reboot-done ${spec.name}`);
  // DMS rebooted the DPU's Arm when it activated the BFB; the operator's power cycle is the host's.
  expect(d.dms.counters.reboots).toBe(1);
  await handle.signal(operatorRebootedSignal, { by: 'test' });
  const status = await handle.result();
  expect(status.phase).toBe(Phase.Ready);
  expect(status.phases.find((p) => p.phase === Phase.Rebooting)?.message).toContain(
    'rebooted by an operator',
  );
});

test('DMS UNAVAILABLE for a while is retried to success', async () => {
  const { d, spec } = nextDpu();
  d.dms.injectFault({ kind: 'UNAVAILABLE', calls: 4 });
  const status = await (await start(spec)).result();
  expect(status.phase).toBe(Phase.Ready);
  expect(d.dms.counters.flashes).toBe(1);
});

test('a host network failure undoes the VF change and parks the DPU in Error', async () => {
  const { d, spec } = nextDpu();
  // The PF already has 2 VFs; the driver then refuses every new count (as with SR-IOV off in firmware).
  const { setNumVfs } = await import('../../activities/sysfs');
  await setNumVfs(d.host.sysfsRoot, spec.pciAddress, 2);
  spec.numVfs = 6;
  d.host.kernel.failWrites(spec.pciAddress, 5, 'ENOMEM');
  const handle = await start(spec);
  const failed = await until(handle, (s) => s.phase === Phase.Error);
  expect(failed.lastError?.phase).toBe(Phase.HostNetworkConfiguration);
  expect(failed.compensated).toEqual([
    `restore sriov_numvfs of ${spec.pciAddress} on ${spec.node} to 2: done`,
  ]);
  expect(await readNumVfs(d.host.sysfsRoot, spec.pciAddress)).toBe(2);
  await handle.terminate('test done');
});

describe('bad input is refused before anything is written', () => {
  test('a malformed PCI address or a non-http BFB URL fails the run at once, naming the value', async () => {
    const { d, spec } = nextDpu();
    const before = fleet.bfb.requests;
    const cases: Array<[Partial<DpuSpec>, string]> = [
      [{ pciAddress: '0000:03:00' }, '"0000:03:00"'],
      [{ pciAddress: '../../etc/passwd' }, '"../../etc/passwd"'],
      [{ bfb: { ...spec.bfb, url: 'ftp://x/y.bfb' } }, '"ftp://x/y.bfb"'],
    ];
    for (const [bad, named] of cases) {
      const err = await (await start({ ...spec, ...bad })).result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const msg = (err as WorkflowFailedError).cause?.message ?? '';
      expect(msg).toContain('invalid DPU spec');
      expect(msg).toContain(named);
    }
    expect(d.dms.counters.transfers).toBe(0);
    expect(fleet.bfb.requests).toBe(before);
  });

  test('a PCI address the host does not have, numVfs over sriov_totalvfs: Error in Initializing, nothing written', async () => {
    const { d, spec } = nextDpu();
    const before = fleet.bfb.requests;
    for (const [bad, words] of [
      [{ pciAddress: '0000:7f:00.0' }, /PCI device 0000:7f:00.0 not found on node/],
      [{ numVfs: 17 }, /numVfs 17 is over sriov_totalvfs 16/],
    ] as const) {
      const handle = await start({ ...spec, ...bad } as DpuSpec);
      const s = await until(handle, (x) => x.phase === Phase.Error);
      expect(s.lastError?.phase).toBe(Phase.Initializing);
      expect(s.lastError?.message).toMatch(words);
      expect(s.lastError?.nonRetryable).toBe(true);
      await handle.terminate('test done');
    }
    expect(fleet.bfb.requests).toBe(before);
    expect(d.dms.counters.transfers).toBe(0);
    expect(await readNumVfs(d.host.sysfsRoot, spec.pciAddress)).toBe(0);
  });

  test('an unknown node: Error saying its host worker is not polling', async () => {
    const { spec } = nextDpu();
    const handle = await start({
      ...spec,
      node: 'no-such-node',
      timing: { ...spec.timing, hostScheduleToStartSeconds: 3 },
    });
    const s = await until(handle, (x) => x.phase === Phase.Error);
    expect(s.lastError?.message).toContain('host worker for no-such-node is not polling');
    await handle.terminate('test done');
  });
});
