/**
 * The DMS clients of an address no longer in use are closed
 * (activities/dms/clients.ts retireIdle), against real DMS simulators: a
 * control worker that provisions DPU after DPU keeps only the channels of the
 * DPUs it still talks to, never closes one with a call in flight, and opens a
 * new pair when an address is called again.
 */
import * as grpc from '@grpc/grpc-js';
import { createDmsActivities, DmsClients } from '../../activities/dms';
import { installStream } from '../../activities/dms/install-stream';
import { startDmsSimulator, type DmsSimulator } from '../../sim/dms';

// grpc-js's shortest idle timeout (MIN_IDLE_TIMEOUT_MS): a channel with no call for 1 s turns IDLE.
const IDLE_MS = 1000;
const channelOptions: grpc.ChannelOptions = { 'grpc.client_idle_timeout_ms': IDLE_MS };
const GRACE_MS = 60_000;

let sims: DmsSimulator[] = [];
beforeAll(async () => {
  sims = await Promise.all(
    [0, 1].map(() => startDmsSimulator({ flashMs: 200, rebootMs: 200, initialVersion: 'bf-old' })),
  );
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const verify = (clients: DmsClients, address: string) =>
  createDmsActivities({ clients, callTimeoutMs: 5000 }).dmsVerify({ dpu: 'dpu-0', address });

test('an address whose calls ended is closed once its channels idle, and a later call opens a new pair', async () => {
  const clients = new DmsClients(grpc.credentials.createInsecure(), channelOptions, {
    everyMs: 3_600_000,
    handedOutGraceMs: GRACE_MS,
  });
  try {
    await verify(clients, sims[0]!.address);
    await verify(clients, sims[1]!.address);
    const first = clients.os(sims[0]!.address);
    expect(clients.addresses).toBe(2);
    // Called just now: within the grace, nothing closes.
    expect(clients.retireIdle()).toBe(0);
    // After the channels' idle timeout and the grace, both go.
    await sleep(IDLE_MS + 500);
    expect(clients.retireIdle(Date.now() + GRACE_MS)).toBe(2);
    expect(clients.addresses).toBe(0);
    expect(first.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.SHUTDOWN);
    // Called again: a new client, and the call works.
    expect((await verify(clients, sims[0]!.address)).version).toBe('bf-old');
    expect(clients.os(sims[0]!.address)).not.toBe(first);
    expect(clients.addresses).toBe(1);
  } finally {
    clients.close();
  }
});

test('an address with a call in flight is kept, however long ago its client was handed out', async () => {
  const clients = new DmsClients(grpc.credentials.createInsecure(), channelOptions, {
    everyMs: 3_600_000,
    handedOutGraceMs: GRACE_MS,
  });
  const address = sims[0]!.address;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  try {
    // An Install stream that stalls before its only chunk: the call is open, nothing moves on it.
    const stream = installStream(
      {
        dpu: 'dpu-0',
        address,
        client: clients.os(address),
        version: 'bf-stalled',
        idleTimeoutMs: 30_000,
        validateTimeoutMs: 5_000,
      },
      async function* () {
        await released;
        yield Buffer.from('bfb bytes');
      },
      () => undefined,
    );
    await sleep(IDLE_MS * 2 + 500);
    expect(clients.retireIdle(Date.now() + GRACE_MS)).toBe(0);
    release();
    expect((await stream).result).toBe('validated');
    // Its call over, the address goes once the channel idles.
    await sleep(IDLE_MS + 500);
    expect(clients.retireIdle(Date.now() + GRACE_MS)).toBe(1);
  } finally {
    release();
    clients.close();
  }
});

test('a client handed out and not yet called is left alone for the grace', () => {
  const clients = new DmsClients(grpc.credentials.createInsecure(), channelOptions, {
    everyMs: 3_600_000,
    handedOutGraceMs: GRACE_MS,
  });
  try {
    const os = clients.os(sims[1]!.address);
    // A new channel is IDLE until its first call.
    expect(os.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.IDLE);
    expect(clients.retireIdle(Date.now() + GRACE_MS - 1000)).toBe(0);
    expect(clients.retireIdle(Date.now() + GRACE_MS)).toBe(1);
  } finally {
    clients.close();
  }
});

test('the sweep runs by itself; with retirement off, clients stay until close()', async () => {
  const swept = new DmsClients(grpc.credentials.createInsecure(), channelOptions, {
    everyMs: 200,
    handedOutGraceMs: 0,
  });
  const kept = new DmsClients(grpc.credentials.createInsecure(), channelOptions, false);
  try {
    await verify(swept, sims[0]!.address);
    await verify(kept, sims[0]!.address);
    const deadline = Date.now() + 10_000;
    while (swept.addresses > 0 && Date.now() < deadline) await sleep(100);
    expect(swept.addresses).toBe(0);
    expect(kept.retireIdle(Date.now() + 3_600_000)).toBe(0);
    expect(kept.addresses).toBe(1);
  } finally {
    swept.close();
    kept.close();
  }
});
