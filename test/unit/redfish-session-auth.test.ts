/**
 * DSP0266 session authentication against a tiny HTTPS server: login at the Sessions collection the
 * service root links, X-Auth-Token on later requests, a token the BMC expired renewed once, logout by
 * DELETE of the Location (tolerant of a session already gone), and the login's faults.
 */
import { openRedfish } from '../../activities/redfish/client';
import {
  type Answer,
  ROOT_WITH_SESSIONS,
  type SeenRequest,
  startTestBmc,
  type TestBmc,
  TestPkiPair,
} from './redfish-test-bmc';
import { redfishFailure } from '../support/redfish-failure';

const cred = { username: 'root', password: 'secret-password' };

/** A BMC with sessions: tokens t1, t2, … ; `valid` says which tokens it still honours. */
function sessionBmc(valid: Set<string>, opts: { loginHeaders?: (n: number) => Record<string, string> } = {}) {
  let logins = 0;
  return (r: SeenRequest): Answer | undefined => {
    if (r.method === 'GET' && r.path === '/redfish/v1') return { status: 200, body: ROOT_WITH_SESSIONS };
    if (r.method === 'POST' && r.path === '/redfish/v1/SessionService/Sessions') {
      const body = r.body as { UserName?: string; Password?: string };
      if (body.UserName !== cred.username || body.Password !== cred.password)
        return { status: 401, body: { error: { message: 'bad credentials' } } };
      logins++;
      valid.add(`t${logins}`);
      return {
        status: 201,
        headers: opts.loginHeaders?.(logins) ?? {
          'X-Auth-Token': `t${logins}`,
          Location: `/redfish/v1/SessionService/Sessions/${logins}`,
        },
        body: { '@odata.id': `/redfish/v1/SessionService/Sessions/${logins}` },
      };
    }
    const token = r.headers['x-auth-token'] as string | undefined;
    if (!token || !valid.has(token)) return { status: 401, body: { error: { message: 'no session' } } };
    if (r.method === 'DELETE' && r.path.startsWith('/redfish/v1/SessionService/Sessions/')) {
      valid.delete(token);
      return { status: 204 };
    }
    if (r.path === '/redfish/v1/Systems')
      return {
        status: 200,
        body: {
          '@odata.id': '/redfish/v1/Systems',
          Members: [{ '@odata.id': '/redfish/v1/Systems/Bluefield' }],
        },
      };
    if (r.path === '/redfish/v1/Systems/Bluefield')
      return {
        status: 200,
        body: { '@odata.id': '/redfish/v1/Systems/Bluefield', Id: 'Bluefield', SerialNumber: 'MT2242X01234' },
      };
    return undefined;
  };
}

describe('Redfish client session authentication', () => {
  const pki = new TestPkiPair();
  let bmc: TestBmc;
  const valid = new Set<string>();
  beforeAll(async () => {
    bmc = await startTestBmc(pki, sessionBmc(valid));
  });
  afterAll(async () => {
    await bmc.stop();
    pki.pki.dispose();
  });
  beforeEach(() => {
    bmc.seen.length = 0;
    bmc.route = sessionBmc(valid);
  });

  test('login at Links.Sessions, the token on every request, logout by DELETE of the Location', async () => {
    const rf = await openRedfish({ address: bmc.address, caPem: bmc.caPem }, cred);
    expect(rf.auth).toBe('session');
    const [system] = await rf.systems();
    expect(system.SerialNumber).toBe('MT2242X01234');
    await rf.close();
    const [root, login, ...rest] = bmc.seen;
    expect(root).toMatchObject({ method: 'GET', path: '/redfish/v1' });
    expect(root.headers.authorization).toBeUndefined(); // the root is read without credentials
    expect(root.headers['odata-version']).toBe('4.0');
    expect(login).toMatchObject({ method: 'POST', body: { UserName: 'root', Password: 'secret-password' } });
    for (const r of rest) {
      expect(r.headers['x-auth-token']).toMatch(/^t\d+$/);
      expect(r.headers.authorization).toBeUndefined(); // never basic once a session exists
    }
    const logout = rest[rest.length - 1];
    expect(logout.method).toBe('DELETE');
    expect(logout.path).toBe(
      `/redfish/v1/SessionService/Sessions/${logout.headers['x-auth-token']?.toString().slice(1)}`,
    );
    expect(valid.has(logout.headers['x-auth-token'] as string)).toBe(false);
  });

  test('a session the BMC expired (401) is renewed by one new login and the request repeated', async () => {
    const rf = await openRedfish({ address: bmc.address, caPem: bmc.caPem }, cred);
    valid.clear(); // the BMC forgets every session (timeout, BMC reboot)
    const systems = await rf.systems();
    expect(systems).toHaveLength(1);
    const logins = bmc.seen.filter((r) => r.method === 'POST');
    expect(logins).toHaveLength(2);
    await rf.close();
  });

  test('close() when the BMC already dropped the session (401 on DELETE) is fine; a second close sends nothing', async () => {
    const rf = await openRedfish({ address: bmc.address, caPem: bmc.caPem }, cred);
    valid.clear();
    await expect(rf.close()).resolves.toBeUndefined();
    const count = bmc.seen.length;
    await rf.close();
    expect(bmc.seen.length).toBe(count);
  });

  test('wrong credentials: Unauthorized at open naming the BMC, and nothing but the root and the login sent', async () => {
    const err = await redfishFailure(
      openRedfish({ address: bmc.address, caPem: bmc.caPem }, { ...cred, password: 'nope' }),
    );
    expect(err.kind).toBe('Unauthorized');
    expect(err.message).toContain(
      `BMC https://${bmc.address} refused the credentials (401) for session login as root`,
    );
    expect(err.message).toContain('bad credentials');
    expect(bmc.seen.map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  test("auth 'basic' on a BMC with sessions sends Basic and never logs in", async () => {
    bmc.route = (r) =>
      r.path === '/redfish/v1'
        ? { status: 200, body: ROOT_WITH_SESSIONS }
        : r.headers.authorization === `Basic ${Buffer.from('root:secret-password').toString('base64')}`
          ? { status: 200, body: { '@odata.id': r.path, Members: [] } }
          : { status: 401 };
    const rf = await openRedfish({ address: bmc.address, caPem: bmc.caPem }, cred, { auth: 'basic' });
    expect(rf.auth).toBe('basic');
    expect(await rf.systems()).toEqual([]);
    expect(bmc.seen.some((r) => r.method === 'POST')).toBe(false);
  });

  test('a login answer without X-Auth-Token is a Protocol error saying to use basic authentication', async () => {
    bmc.route = sessionBmc(valid, {
      loginHeaders: (n) => ({ Location: `/redfish/v1/SessionService/Sessions/${n}` }),
    });
    const err = await redfishFailure(openRedfish({ address: bmc.address, caPem: bmc.caPem }, cred));
    expect(err.kind).toBe('Protocol');
    expect(err.message).toMatch(/without an X-Auth-Token header: use basic authentication/);
  });

  test('503 with Retry-After: Unavailable carrying retryAfterMs (seconds and HTTP-date forms)', async () => {
    bmc.route = () => ({
      status: 503,
      headers: { 'Retry-After': '7' },
      body: { error: { message: 'busy' } },
    });
    let err = await redfishFailure(openRedfish({ address: bmc.address, caPem: bmc.caPem }, cred));
    expect(err.kind).toBe('Unavailable');
    expect(err.retryAfterMs).toBe(7000);
    expect(err.message).toContain(
      `BMC https://${bmc.address} is busy (503) for reading the Redfish service root: busy: retry after 7000 ms`,
    );
    const at = new Date(Date.now() + 20_000).toUTCString();
    bmc.route = () => ({ status: 503, headers: { 'Retry-After': at } });
    err = await redfishFailure(openRedfish({ address: bmc.address, caPem: bmc.caPem }, cred));
    expect(err.retryAfterMs).toBeGreaterThan(15_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(20_000);
  });

  test('an answer that is not a Redfish service root is refused naming the address', async () => {
    bmc.route = () => ({ status: 200, body: { hello: 'world' } });
    const err = await redfishFailure(openRedfish({ address: bmc.address, caPem: bmc.caPem }, cred));
    expect(err.kind).toBe('Protocol');
    expect(err.message).toContain(`https://${bmc.address}/redfish/v1 is not a Redfish service root`);
  });
});
