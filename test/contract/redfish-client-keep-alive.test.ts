/**
 * The Redfish client keeps one pinned TLS connection per session (activities/redfish/client/pinned-agent.ts),
 * counted on the BMC simulator's side: a session of many requests makes one connection; a connection
 * the BMC closed is reopened and its certificate checked again (a BMC swapped behind the same address
 * is refused); a POST after an idle spell takes a new connection rather than one the BMC may be closing.
 */
import net from 'node:net';
import { openRedfish } from '../../activities/redfish/client';
import { bmcTarget } from '../../activities/redfish/client/bmc-address';
import { BmcConnection } from '../../activities/redfish/client/bmc-connection';
import { PinnedAgent, REUSE_IDLE_FOR_UNSAFE_MS } from '../../activities/redfish/client/pinned-agent';
import { startBmcSim, type BmcSim } from '../../sim/bmc';
import { redfishFailure } from '../support/redfish-failure';

/** A TCP relay whose upstream can be switched: "the same BMC address" answered by another BMC. */
async function relay(upstreamPort: number) {
  let port = upstreamPort;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(port, '127.0.0.1');
    for (const s of [client, up]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {
        // a side that went away: close the pair (the other side's close is what the test observes)
        client.destroy();
        up.destroy();
      });
    }
    client.pipe(up);
    up.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    switchTo(p: number) {
      port = p;
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redfish client: one kept-alive pinned connection per session', () => {
  let sim: BmcSim;
  let other: BmcSim;
  const cred = () => ({ username: sim.username, password: sim.password });

  beforeAll(async () => {
    [sim, other] = await Promise.all([startBmcSim(), startBmcSim({ serial: 'MT0000X99999' })]);
  });
  afterAll(async () => {
    await Promise.all([sim?.stop(), other?.stop()]);
  });

  test('a session of 25 requests (root, login, reads, logout) uses one connection', async () => {
    const before = sim.connectionCount();
    const rf = await openRedfish({ address: sim.url, caPem: sim.caPem }, cred());
    for (let i = 0; i < 10; i++) {
      await rf.systems(); // the Systems collection and its member: two requests
      await rf.get('/redfish/v1/UpdateService');
    }
    await rf.close();
    expect(sim.connectionCount() - before).toBe(1);
  });

  test('a connection the BMC closed is reopened: at once, and after the close was seen', async () => {
    const rf = await openRedfish({ address: sim.url, certSha256: sim.certSha256 }, cred());
    try {
      const before = sim.connectionCount();
      await rf.systems();
      expect(sim.connectionCount()).toBe(before);

      sim.dropConnections();
      await sleep(50); // the client has seen the close: the next request opens a new connection
      expect((await rf.systems())[0].Id).toBe('Bluefield');
      expect(sim.connectionCount()).toBe(before + 1);

      sim.dropConnections(); // and at once: the GET may go out on the closed one, and is sent again
      expect((await rf.systems())[0].Id).toBe('Bluefield');
      expect(sim.connectionCount()).toBe(before + 2);
      await rf.get('/redfish/v1/Managers');
      expect(sim.connectionCount()).toBe(before + 2);
    } finally {
      await rf.close();
    }
  });

  test('the pin is checked again on a reopened connection: another BMC behind the same address is refused, nothing sent', async () => {
    const r = await relay(sim.port);
    try {
      const rf = await openRedfish(
        // The leaf's SHA-256: the simulators share one CA, so a CA pin would accept the other BMC.
        { address: r.address, certSha256: sim.certSha256 },
        cred(),
      );
      await rf.systems();
      r.switchTo(other.port); // the kept connection closes; the address now leads to another BMC
      await sleep(50);
      const err = await redfishFailure(rf.systems());
      expect(err.kind).toBe('CertificateMismatch');
      expect(err.message).toContain('does not match the pinned one');
      expect(err.message).toContain('nothing was sent');
      // The other BMC got no request: the session's token, refused there, would have made the client
      // log in again, and the other BMC would hold a session.
      const observer = await openRedfish(
        { address: other.url, certSha256: other.certSha256 },
        { username: other.username, password: other.password },
      );
      const sessions = await observer.get<{ Members: unknown[] }>('/redfish/v1/SessionService/Sessions');
      await observer.close();
      expect(sessions.Members).toHaveLength(1); // the observer's own

      r.switchTo(sim.port); // the pinned BMC again: a new connection, and the session goes on
      const before = sim.connectionCount();
      expect((await rf.systems())[0].SerialNumber).toBe('MT2242X00001');
      expect(sim.connectionCount()).toBe(before + 1);
      await rf.close();
    } finally {
      await r.close();
    }
  });

  test('a POST right after an answer reuses the connection; after an idle spell it takes a new one', async () => {
    const target = bmcTarget(sim.url);
    const agent = new PinnedAgent(target, { address: sim.url, caPem: sim.caPem }, 10_000);
    const conn = new BmcConnection({ target, agent, timeoutMs: 10_000 }, cred());
    try {
      const before = sim.connectionCount();
      expect((await conn.anonymous({ method: 'GET', path: '/redfish/v1' })).status).toBe(200);
      await conn.login('/redfish/v1/SessionService/Sessions'); // a POST at once: the same connection
      expect(sim.connectionCount()).toBe(before + 1);
      await sleep(REUSE_IDLE_FOR_UNSAFE_MS + 200);
      await conn.login('/redfish/v1/SessionService/Sessions'); // after the idle spell: a new one
      expect(sim.connectionCount()).toBe(before + 2);
      await conn.getJson('/redfish/v1/Systems'); // and GETs go on it
      expect(sim.connectionCount()).toBe(before + 2);
    } finally {
      await conn.logout();
    }
  });
});
