/**
 * `dmsAwaitReboot` against the real gRPC DMS simulator: one look per attempt,
 * a retryable DmsRebootUnderWay naming the delay to the next look while the
 * reboot is under way (heartbeating what it saw), the status once it is over;
 * and the schedule of looks.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createDmsActivities, DmsClients, DmsFailureType, type DmsActivities } from '../../activities/dms';
import { nextLookSeconds, type RebootUnderWayDetails } from '../../activities/dms/await-reboot';
import { startDmsSimulator, type DmsSimulator } from '../../sim/dms';

const T0 = 1_700_000_000_000;
let nowMs = T0;
let sim: DmsSimulator;
let clients: DmsClients;
let dms: DmsActivities;

beforeEach(async () => {
  nowMs = T0;
  sim = await startDmsSimulator({ flashMs: 60_000, rebootMs: 30_000, clock: async () => nowMs });
  clients = new DmsClients();
  dms = createDmsActivities({ clients, callTimeoutMs: 2000 });
});

afterEach(async () => {
  clients.close();
  await sim.stop();
});

/** Attempt `attempt` of the activity, scheduled `elapsedMs` after the first (as the server says). */
async function look(
  input: Parameters<DmsActivities['dmsAwaitReboot']>[0],
  attempt: number,
  elapsedMs: number,
) {
  const env = new MockActivityEnvironment(
    { attempt, scheduledTimestampMs: T0, currentAttemptScheduledTimestampMs: T0 + elapsedMs },
    { logger: new DefaultLogger('ERROR') },
  );
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  try {
    return { result: await env.run(() => dms.dmsAwaitReboot(input)), err: undefined, beats };
  } catch (err) {
    return { result: undefined, err, beats };
  }
}

test('while a reboot is under way each look fails retryably with the next delay; once it is over, the status', async () => {
  const at = { dpu: 'dpu-0', address: sim.address, subcomponent: 'CPU' as const };
  const before = await dms.dmsRebootStatus(at);
  await dms.dmsReboot({ dpu: 'dpu-0', address: sim.address, delaySeconds: 0, message: 'test reboot' });
  const input = {
    ...at,
    newerThan: before,
    what: 'the test reboot of dpu-0 to end',
    expectedSeconds: 30,
    looks: { quietSeconds: 20, initialSeconds: 2, maxSeconds: 8 },
  };

  const first = await look(input, 1, 0);
  expect(first.err).toBeInstanceOf(ApplicationFailure);
  const f = first.err as ApplicationFailure;
  expect(f.type).toBe(DmsFailureType.RebootUnderWay);
  expect(f.nonRetryable).toBe(false);
  expect(f.message).toContain('the test reboot of dpu-0 to end: reboot 1 under way (test reboot)');
  expect(f.details?.[0]).toMatchObject<Partial<RebootUnderWayDetails>>({
    looks: 1,
    nextLookSeconds: 20,
    percent: 0,
  });
  expect(f.nextRetryDelay).toBe('20 seconds');
  expect(first.beats).toEqual([expect.objectContaining({ waitingFor: input.what, looks: 1, percent: 0 })]);

  nowMs += 15_000;
  const second = await look(input, 2, 15_000);
  expect((second.err as ApplicationFailure).details?.[0]).toMatchObject({
    looks: 2,
    percent: 50,
    nextLookSeconds: 5,
  });

  nowMs += 16_000;
  const over = await look(input, 3, 31_000);
  expect(over.result).toMatchObject({ active: false, count: 1, status: 'STATUS_SUCCESS' });
  expect(over.beats).toEqual([]);
});

test('without newerThan the wait is over as soon as no reboot is under way', async () => {
  const r = await look(
    { dpu: 'dpu-0', address: sim.address, what: 'no reboot', looks: { initialSeconds: 1, maxSeconds: 4 } },
    1,
    0,
  );
  expect(r.result).toMatchObject({ active: false, count: 0 });
});

test('the schedule of looks: quiet first, then doubling to the maximum', () => {
  const l = { quietSeconds: 20, initialSeconds: 2, maxSeconds: 8 };
  expect([1, 2, 3, 4, 5].map((n) => nextLookSeconds(n, n === 1 ? 0 : 25, l))).toEqual([20, 2, 4, 8, 8]);
  expect(nextLookSeconds(1, 19, l)).toBe(2); // 1 s of quiet left: never sooner than the initial delay
  const noQuiet = { initialSeconds: 1, maxSeconds: 30 };
  expect([1, 2, 3, 4].map((n) => nextLookSeconds(n, 100, noQuiet))).toEqual([1, 2, 4, 8]);
});
