/**
 * The Redfish client against the BlueField BMC simulator (sim/bmc): session login/logout, certificate
 * pinning good and bad, 401, 503 + Retry-After, a BFB pushed by SimpleUpdate followed through its task
 * to Completed with the new version reported after the DPU boots, tasks ending in Exception, and
 * findUpdateTask finding an update already started (so a retried step starts none) or already installed.
 */
import {
  bluefieldOsTarget,
  openRedfish,
  type RedfishError,
  type RedfishSession,
  type TaskRef,
  type TaskStatus,
} from '../../activities/redfish/client';
import { startBmcSim, type BmcSim } from '../../sim/bmc';
import { TestPkiPair } from '../unit/redfish-test-bmc';
import { redfishFailure } from '../support/redfish-failure';

const DPU_OS = 'redfish/v1/UpdateService/FirmwareInventory/DPU_OS'; // NVIDIA's documented rshim target (sim/bmc/resources.ts)
const image = (name: string) => `http://10.0.0.1:8080/bfb/${name}.bfb`;

/** Polls `ref` to its end, waiting what the BMC's Retry-After says (capped, the sim says 1 s). */
async function follow(rf: RedfishSession, ref: TaskRef, seen: TaskStatus[] = []): Promise<TaskStatus> {
  for (let i = 0; i < 400; i++) {
    const s = await rf.task(ref);
    seen.push(s);
    if (s.done) return s;
    await new Promise((r) => setTimeout(r, Math.min(s.retryAfterMs ?? 100, 100)));
  }
  throw new Error(`task ${ref.task} did not end`);
}

async function sessionCount(sim: BmcSim): Promise<number> {
  const rf = await openRedfish(
    { address: sim.url, caPem: sim.caPem },
    { username: sim.username, password: sim.password },
  );
  try {
    const root = await rf.serviceRoot();
    const sessions = await rf.get<{ Members: unknown[] }>(root.Links!.Sessions!['@odata.id']);
    return sessions.Members.length - 1; // less the observer's own
  } finally {
    await rf.close();
  }
}

describe('Redfish client against the BlueField BMC simulator', () => {
  let sim: BmcSim;
  const cred = () => ({ username: sim.username, password: sim.password });
  const ep = () => ({ address: sim.url, caPem: sim.caPem });

  beforeAll(async () => {
    sim = await startBmcSim({
      serial: 'MT2242X01234',
      bfbVersion: 'bf-bundle-2.9.0',
      imageFetch: async (uri) => Buffer.from(`BFB from ${uri}`),
      flashSeconds: 0.5,
      bootSeconds: 0.3,
    });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  afterEach(() => sim.faults.clear());

  test('session login through Links.Sessions and logout by DELETE; navigation to Systems/Bluefield and the BMC manager', async () => {
    const before = await sessionCount(sim);
    const rf = await openRedfish(ep(), cred());
    expect(rf.auth).toBe('session');
    expect(await sessionCount(sim)).toBe(before + 1);
    const [system] = await rf.systems();
    expect(system).toMatchObject({ Id: 'Bluefield', SerialNumber: 'MT2242X01234' });
    expect(system.Actions?.['#ComputerSystem.Reset']?.target).toBeDefined();
    const managers = await rf.managers();
    expect(managers.map((m) => m.Id)).toContain('Bluefield_BMC');
    await rf.close();
    expect(await sessionCount(sim)).toBe(before);
  });

  test('a pinned CA or leaf SHA-256 that matches connects; a wrong one is refused and the BMC gets no login', async () => {
    const pinned = await openRedfish({ address: sim.url, certSha256: sim.certSha256 }, cred());
    await pinned.close();
    const pki = new TestPkiPair();
    try {
      const before = await sessionCount(sim);
      for (const bad of [
        { address: sim.url, caPem: pki.otherPem },
        { address: sim.url, certSha256: 'cd'.repeat(32) },
      ]) {
        const err = await redfishFailure(openRedfish(bad, cred()));
        expect(err.kind).toBe('CertificateMismatch');
        expect(err.message).toContain(
          `BMC ${sim.url} presented a certificate that does not match the pinned one`,
        );
      }
      expect(await sessionCount(sim)).toBe(before);
    } finally {
      pki.pki.dispose();
    }
  });

  test('401: Unauthorized at open, naming the BMC and the credentials Secret', async () => {
    sim.faults.unauthorized = true;
    const err = await redfishFailure(openRedfish(ep(), cred()));
    expect(err.kind).toBe('Unauthorized');
    expect(err.message).toContain(
      `BMC ${sim.url} refused the credentials (401) for session login as ${sim.username}`,
    );
    expect(err.message).toContain('credentials Secret');
  });

  test('503 + Retry-After: Unavailable with retryAfterMs, and the next try goes through', async () => {
    sim.faults.unavailableFor(1, 3);
    const err = await redfishFailure(openRedfish(ep(), cred()));
    expect(err).toMatchObject({ kind: 'Unavailable', status: 503, retryAfterMs: 3000 });
    const rf = await openRedfish(ep(), cred());
    await rf.close();
  });

  test('SimpleUpdate into DPU_OS → task Running → Completed; the new version only after the DPU boots; Reset', async () => {
    const rf = await openRedfish(ep(), cred());
    try {
      const updatesBefore = sim.updateCount();
      const uri = image('bf-bundle-3.0.0');
      const target = await bluefieldOsTarget(rf); // found in the firmware inventory
      expect(target).toBe(DPU_OS);
      const ref = await rf.simpleUpdate({ imageUri: uri, transferProtocol: 'HTTP', targets: [target] });
      expect(sim.updateCount()).toBe(updatesBefore + 1);
      const seen: TaskStatus[] = [];
      const end = await follow(rf, ref, seen);
      expect(end).toMatchObject({ state: 'Completed', done: true, percentComplete: 100 });
      expect(seen.some((s) => s.state === 'Running' && s.retryAfterMs === 1000)).toBe(true);
      // The BFB's installer boots the DPU; the inventory reports the new version after that.
      const version = async () => (await rf.firmwareInventory()).find((i) => i.Id === 'DPU_OS')?.Version;
      for (let i = 0; i < 50 && (await version()) !== 'bf-bundle-3.0.0'; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await version()).toBe('bf-bundle-3.0.0');
      expect(sim.installedVersion()).toBe('bf-bundle-3.0.0');
      const resets = sim.resetCount();
      await rf.reset((await rf.systems())[0]['@odata.id'], 'GracefulRestart');
      expect(sim.resetCount()).toBe(resets + 1);
    } finally {
      await rf.close();
    }
  });

  test.each([
    ['task-exception', 'TaskException', /ended Exception: .*rshim transfer/],
    ['image-fetch-fails', 'ImageFetchFailed', /Transfer of image .* failed/],
    ['bfb-rejected', 'UpdateRejected', /Verification of image/],
  ] as const)('an update task ending in Exception (%s) is the RedfishError %s', async (fault, kind, said) => {
    sim.faults.failNextUpdate(fault);
    const rf = await openRedfish(ep(), cred());
    try {
      const uri = image(`broken-${fault}`);
      const ref = await rf.simpleUpdate({ imageUri: uri, targets: [DPU_OS] });
      const err = await redfishFailure(follow(rf, ref));
      expect(err.kind).toBe(kind);
      expect(err.message).toMatch(said);
      expect(err.message).toContain(
        `BMC ${sim.url}: update task ${ref.task} installing ${uri} ended Exception`,
      );
      expect(err.task?.state).toBe('Exception');
    } finally {
      await rf.close();
    }
  });

  test('findUpdateTask: a retried step (new session) finds the update it started and starts no second one', async () => {
    // A BMC of its own whose flash lasts long enough to be caught running.
    const slow = await startBmcSim({
      imageFetch: async () => Buffer.from('BFB'),
      flashSeconds: 3,
      bootSeconds: 0.2,
    });
    const slowEp = { address: slow.url, caPem: slow.caPem };
    const slowCred = { username: slow.username, password: slow.password };
    try {
      const uri = image('bf-bundle-3.1.0');
      const first = await openRedfish(slowEp, slowCred);
      const started = new Date(Date.now() - 1000).toISOString();
      const ref = await first.simpleUpdate({ imageUri: uri, targets: [DPU_OS] });
      await first.close(); // the worker that started it is gone
      expect(slow.updateCount()).toBe(1);

      const retry = await openRedfish(slowEp, slowCred);
      try {
        const found = await retry.findUpdateTask(uri, { startedAfter: started });
        expect(found?.task).toBe(ref.task);
        expect((await retry.task(found!)).state).toBe('Running');
        expect(await retry.findUpdateTask(image('some-other'))).toBeUndefined();
        // A second SimpleUpdate while it runs is refused by the BMC, as Unavailable.
        const busy = await redfishFailure(retry.simpleUpdate({ imageUri: uri, targets: [DPU_OS] }));
        expect(busy.kind).toBe('Unavailable');
        await follow(retry, found!);
        expect(slow.updateCount()).toBe(1);
        // Done and found again, so a step retried after the end does not flash twice either.
        expect((await retry.findUpdateTask(uri))?.task).toBe(ref.task);
      } finally {
        await retry.close();
      }
    } finally {
      await slow.stop();
    }
  });

  test('findUpdateTask after a BMC reboot lost its tasks: the installed version in the inventory says done', async () => {
    const uri = image('bf-bundle-3.2.0');
    let rf = await openRedfish(ep(), cred());
    await follow(rf, await rf.simpleUpdate({ imageUri: uri, targets: [DPU_OS] }));
    for (let i = 0; i < 50 && sim.installedVersion() !== 'bf-bundle-3.2.0'; i++)
      await new Promise((r) => setTimeout(r, 100));
    sim.rebootBmc(); // tasks and sessions gone
    for (let i = 0; i < 100; i++) {
      try {
        rf = await openRedfish(ep(), cred());
        break;
      } catch (err) {
        if ((err as RedfishError).kind !== 'Unavailable') throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    try {
      expect(await rf.findUpdateTask(uri)).toBeUndefined();
      const ref = await rf.findUpdateTask(uri, { expectVersion: 'bf-bundle-3.2.0' });
      expect(ref?.installed).toEqual({ version: 'bf-bundle-3.2.0' });
      await expect(rf.task(ref!)).resolves.toMatchObject({ state: 'Completed', done: true });
    } finally {
      await rf.close();
    }
  });
});
