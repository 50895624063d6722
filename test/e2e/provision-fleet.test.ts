/**
 * End to end on a real Temporal dev server, real worker processes and the
 * simulators: a fleet reaches Ready, and neither a worker killed with SIGKILL
 * mid-flash nor a restart of the server itself loses work or flashes twice.
 */
import { startProvision } from '../../cli/dpu/start-provision';
import { Phase } from '../../model/phases';
import { retryUpdate } from '../../model/dpu-provision-api';
import { provisionDpuWorkflowId } from '../../model/workflow-ids';
import type { SimFleet } from '../../sim/fleet';
import { Harness } from './fleet-harness';

jest.setTimeout(240_000);

const FAST = {
  flashMs: 6_000,
  rebootMs: 2_000,
  bfbSizeBytes: 4 * 2 ** 20,
  timing: {
    expectedFlashSeconds: 6,
    pollInitialSeconds: 1,
    pollMaxSeconds: 2,
    rebootDelaySeconds: 1,
    hostScheduleToStartSeconds: 20,
  },
};

const h = new Harness();
const names = (f: SimFleet) => f.dpus.map((d) => d.spec.name);
const isReady = (s: { phase: string }) => s.phase === Phase.Ready;

beforeAll(() => h.start());
afterAll(() => h.dispose());

test('4 DPUs on 2 hosts reach Ready, each flashed once', async () => {
  const fleet = await h.fleet('ready', { hosts: 2, dpusPerHost: 2, ...FAST });
  for (const d of fleet.dpus) await startProvision(h.client, d.spec);
  const statuses = await h.waitAll(names(fleet), (s) => isReady(s) || s.phase === Phase.Error);
  expect(statuses.map((s) => [s.dpu, s.phase, s.lastError?.message])).toEqual(
    fleet.dpus.map((d) => [d.spec.name, Phase.Ready, undefined]),
  );
  for (const d of fleet.dpus) {
    expect(d.dms.counters.flashes).toBe(1);
    expect(d.host.kernel.numVfs(d.spec.pciAddress)).toBe(d.spec.numVfs);
  }
  // provision-dpu-ready.json keeps a run of the path before DPF's activation (patched), for replay.
  await h.captureHistory(fleet.dpus[0].spec.name, 'provision-dpu-ready-dms-activation.json');
});

test('kill -9 of the control worker between Activate and the end of the reboot DMS does: a new worker completes the run, one flash per DPU', async () => {
  const fleet = await h.fleet('kill', { hosts: 1, dpusPerHost: 2, ...FAST, flashMs: 8_000 });
  for (const d of fleet.dpus) await startProvision(h.client, d.spec);
  await h.waitAll(
    names(fleet),
    // From just before the one Activate until DMS has flashed and rebooted: a kill here must not flash twice.
    (s) => s.phase === Phase.OsInstalling && (s.progress?.step ?? '').startsWith('DMS flashing'),
  );
  await h.control!.kill9();
  await new Promise((r) => setTimeout(r, 1_000));
  await h.startControlWorker();
  const statuses = await h.waitAll(names(fleet), (s) => isReady(s) || s.phase === Phase.Error);
  expect(statuses.map((s) => s.phase)).toEqual([Phase.Ready, Phase.Ready]);
  for (const d of fleet.dpus) {
    expect(d.dms.counters.flashes).toBe(1);
    expect(d.dms.counters.transfers).toBeGreaterThanOrEqual(1);
  }
});

test('INTEGRITY_FAIL ends in Error with the reason in the status and nothing left changed; a retry reaches Ready', async () => {
  const fleet = await h.fleet('integrity', { hosts: 1, dpusPerHost: 1, ...FAST });
  const [d] = fleet.dpus;
  d.dms.injectFault({ kind: 'INTEGRITY_FAIL' });
  await startProvision(h.client, d.spec);
  const [failed] = await h.waitAll([d.spec.name], (s) => s.phase === Phase.Error);
  expect(failed.lastError).toMatchObject({ phase: Phase.OsInstalling, nonRetryable: true });
  expect(failed.lastError?.message).toMatch(/INTEGRITY_FAIL/);
  expect(failed.conditions.find((c) => c.type === 'OSInstalled')).toMatchObject({
    status: 'False',
    reason: 'Failed',
  });
  expect(failed.compensated).toEqual([]); // nothing on the host was changed before OS Installing
  expect(d.dms.counters.flashes).toBe(0);
  expect(d.host.kernel.numVfs(d.spec.pciAddress)).toBe(0);

  const handle = h.client.workflow.getHandle(provisionDpuWorkflowId(d.spec.name));
  await handle.executeUpdate(retryUpdate, { args: [{ by: 'e2e' }] });
  const [ready] = await h.waitAll(
    [d.spec.name],
    (s) => isReady(s) || (s.phase === Phase.Error && s.retries > 0),
  );
  expect(ready.phase).toBe(Phase.Ready);
  expect(d.dms.counters.flashes).toBe(1);
  await h.captureHistory(d.spec.name, 'provision-dpu-integrity-fail-retry-dms-activation.json');
});

test('DMS UNAVAILABLE for a few seconds is retried to success', async () => {
  const fleet = await h.fleet('unavailable', { hosts: 1, dpusPerHost: 1, ...FAST });
  const [d] = fleet.dpus;
  d.dms.injectFault({ kind: 'UNAVAILABLE', untilMs: Date.now() + 4_000 });
  await startProvision(h.client, d.spec);
  const [s] = await h.waitAll([d.spec.name], (x) => isReady(x) || x.phase === Phase.Error);
  expect(s.phase).toBe(Phase.Ready);
  expect(d.dms.counters.flashes).toBe(1);
});

test('a restart of the dev server mid-run loses nothing', async () => {
  const fleet = await h.fleet('restart', { hosts: 1, dpusPerHost: 2, ...FAST, flashMs: 8_000 });
  for (const d of fleet.dpus) await startProvision(h.client, d.spec);
  await h.waitAll(names(fleet), (s) => s.phase === Phase.OsInstalling);
  await h.server.stop();
  await new Promise((r) => setTimeout(r, 2_000));
  await h.server.start();
  const statuses = await h.waitAll(names(fleet), (s) => isReady(s) || s.phase === Phase.Error, 180_000);
  expect(statuses.map((s) => s.phase)).toEqual([Phase.Ready, Phase.Ready]);
  for (const d of fleet.dpus) expect(d.dms.counters.flashes).toBe(1);
});
