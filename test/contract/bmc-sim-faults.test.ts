/**
 * The BMC simulator's own behaviour, through plain HTTPS with its CA pinned:
 * sessions and Basic auth, ETags, the update task and its monitor (bmcweb's
 * 202 → 204 → 404), the version after boot, one update at a time, and each
 * injected fault (401, 503 + Retry-After, task Exception, image fetch failure,
 * BFB rejected, BMC reboot mid-task).
 */
import { X509Certificate, createHash } from 'node:crypto';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { DPU_OS_TARGET, startBmcSim, type BmcSim } from '../../sim/bmc';

jest.setTimeout(30_000);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown> | undefined;
  certSha256: string;
}

function call(
  sim: BmcSim,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; basic?: [string, string]; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const text = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  if (text) headers['Content-Type'] = 'application/json';
  if (opts.token) headers['X-Auth-Token'] = opts.token;
  const basic = opts.basic ?? (opts.token ? undefined : [sim.username, sim.password]);
  if (basic) headers.Authorization = `Basic ${Buffer.from(basic.join(':')).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${sim.url}${path}`,
      { method, headers, ca: sim.caPem, agent: false },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate(false);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: body && /json/.test(String(res.headers['content-type'])) ? JSON.parse(body) : undefined,
            certSha256: createHash('sha256').update(peer.raw).digest('hex'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const update = (sim: BmcSim, imageUri = 'http://images.example/bf-bundle-3.0.0.bfb') =>
  call(sim, 'POST', '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', {
    body: { ImageURI: imageUri, TransferProtocol: 'HTTP', Targets: [DPU_OS_TARGET] },
  });

async function taskEnd(sim: BmcSim, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const t = await call(sim, 'GET', `/redfish/v1/TaskService/Tasks/${id}`);
    if (t.json && t.json.TaskState !== 'Running') return t.json;
    await delay(50);
  }
  throw new Error(`task ${id} still running after 5 s`);
}

describe('BMC simulator', () => {
  let sim: BmcSim;
  const fetched: string[] = [];
  beforeEach(async () => {
    fetched.length = 0;
    sim = await startBmcSim({
      bfbVersion: '4.8.0-1',
      flashSeconds: 0.2,
      bootSeconds: 0.3,
      imageFetch: async (uri) => {
        fetched.push(uri);
        return Buffer.from('a BFB');
      },
    });
  });
  afterEach(() => sim.stop());

  test('serves a certificate whose SHA-256 is certSha256, signed by caPem', async () => {
    const root = await call(sim, 'GET', '/redfish/v1');
    expect(root.status).toBe(200);
    expect(root.certSha256).toBe(sim.certSha256);
    expect(new X509Certificate(sim.caPem).ca).toBe(true);
  });

  test('sessions: login 201 with X-Auth-Token and Location, logout 204, the token then 401', async () => {
    const login = await call(sim, 'POST', '/redfish/v1/SessionService/Sessions', {
      body: { UserName: sim.username, Password: sim.password },
      basic: ['', ''],
    });
    expect(login.status).toBe(201);
    const token = String(login.headers['x-auth-token']);
    const location = String(login.headers.location);
    expect(location).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\/\w+$/);
    expect((await call(sim, 'GET', '/redfish/v1/Systems/Bluefield', { token })).json?.SerialNumber).toBe(
      'MT2242X00001',
    );
    expect((await call(sim, 'DELETE', location, { token })).status).toBe(204);
    const after = await call(sim, 'GET', '/redfish/v1/Systems/Bluefield', { token });
    expect(after.status).toBe(401);
    const wrong = await call(sim, 'POST', '/redfish/v1/SessionService/Sessions', {
      body: { UserName: sim.username, Password: 'wrong' },
    });
    expect(wrong.status).toBe(401);
    expect(
      (await call(sim, 'GET', '/redfish/v1/Systems', { basic: [sim.username, 'wrong'] })).headers[
        'www-authenticate'
      ],
    ).toBe('Basic realm="Redfish"');
  });

  test('ETags: If-None-Match answers 304; a PATCH with a stale If-Match 412 and nothing changes', async () => {
    const sys = await call(sim, 'GET', '/redfish/v1/Systems/Bluefield');
    const etag = String(sys.headers.etag);
    expect(sys.json?.['@odata.etag']).toBe(etag);
    expect(
      (await call(sim, 'GET', '/redfish/v1/Systems/Bluefield', { headers: { 'If-None-Match': etag } }))
        .status,
    ).toBe(304);
    const ok = await call(sim, 'PATCH', '/redfish/v1/Systems/Bluefield', {
      body: { AssetTag: 'rack-7' },
      headers: { 'If-Match': etag },
    });
    expect(ok.status).toBe(200);
    const stale = await call(sim, 'PATCH', '/redfish/v1/Systems/Bluefield', {
      body: { AssetTag: 'x' },
      headers: { 'If-Match': etag },
    });
    expect(stale.status).toBe(412);
    expect((await call(sim, 'GET', '/redfish/v1/Systems/Bluefield')).json?.AssetTag).toBe('rack-7');
  });

  test('ETags: of four concurrent PATCHes carrying the same If-Match exactly one is applied', async () => {
    const etag = String((await call(sim, 'GET', '/redfish/v1/Systems/Bluefield')).headers.etag);
    const answers = await Promise.all(
      ['a', 'b', 'c', 'd'].map((tag) =>
        call(sim, 'PATCH', '/redfish/v1/Systems/Bluefield', {
          body: { AssetTag: tag },
          headers: { 'If-Match': etag },
        }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412, 412, 412]);
  });

  test('SimpleUpdate: 202 with a task monitor (202 → 204 → 404); the new version only after the DPU booted; one at a time', async () => {
    const started = await update(sim);
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe('/redfish/v1/TaskService/TaskMonitors/0');
    expect(started.json).toMatchObject({ Id: '0', TaskState: 'Running' });
    const second = await update(sim);
    expect(second.status).toBe(400);
    expect(JSON.stringify(second.json)).toContain('Another update is in progress');
    expect((await call(sim, 'GET', '/redfish/v1/TaskService/TaskMonitors/0')).status).toBe(202);
    const done = await taskEnd(sim, '0');
    expect(done).toMatchObject({ TaskState: 'Completed', PercentComplete: 100, TaskStatus: 'OK' });
    expect(JSON.parse((done.Payload as { JsonBody: string }).JsonBody).ImageURI).toBe(
      'http://images.example/bf-bundle-3.0.0.bfb',
    );
    // Task done, DPU still booting the installed BFB.
    const booting = await call(sim, 'GET', '/redfish/v1/Systems/Bluefield');
    expect((booting.json?.BootProgress as { OemLastState: string }).OemLastState).toBe('OsStarting');
    expect((await call(sim, 'GET', '/redfish/v1/UpdateService/FirmwareInventory/DPU_OS')).json?.Version).toBe(
      '4.8.0-1',
    );
    await delay(500);
    expect((await call(sim, 'GET', '/redfish/v1/UpdateService/FirmwareInventory/DPU_OS')).json?.Version).toBe(
      'bf-bundle-3.0.0',
    );
    expect(sim.installedVersion()).toBe('bf-bundle-3.0.0');
    expect((await call(sim, 'GET', '/redfish/v1/TaskService/TaskMonitors/0')).status).toBe(204);
    expect((await call(sim, 'GET', '/redfish/v1/TaskService/TaskMonitors/0')).status).toBe(404);
    expect(sim.updateCount()).toBe(1);
    expect(fetched).toEqual(['http://images.example/bf-bundle-3.0.0.bfb']);
  });

  test('a SimpleUpdate with a target other than DPU_OS or no ImageURI is refused with 400 and starts nothing', async () => {
    const wrongTarget = await call(
      sim,
      'POST',
      '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate',
      {
        body: {
          ImageURI: 'http://x/a.bfb',
          TransferProtocol: 'HTTP',
          Targets: ['/redfish/v1/Managers/Bluefield_BMC'],
        },
      },
    );
    expect(wrongTarget.status).toBe(400);
    const noImage = await call(sim, 'POST', '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', {
      body: { TransferProtocol: 'HTTP', Targets: [DPU_OS_TARGET] },
    });
    expect(noImage.status).toBe(400);
    expect(sim.updateCount()).toBe(0);
  });

  test.each([
    ['task-exception', 'Base.1.16.0.InternalError'],
    ['image-fetch-fails', 'Update.1.0.TransferFailed'],
    ['bfb-rejected', 'Update.1.0.VerificationFailed'],
  ] as const)(
    'fault %s: the task ends in Exception with %s and the DPU keeps its version',
    async (fault, messageId) => {
      sim.faults.failNextUpdate(fault);
      expect((await update(sim)).status).toBe(202);
      const end = await taskEnd(sim, '0');
      expect(end).toMatchObject({ TaskState: 'Exception', TaskStatus: 'Critical' });
      expect((end.Messages as Array<{ MessageId: string }>).map((m) => m.MessageId)).toContain(messageId);
      await delay(400);
      expect(sim.installedVersion()).toBe('4.8.0-1');
      expect(sim.updateCount()).toBe(1);
    },
  );

  test('fault 401: every authenticated request and every login is refused; the service root stays open', async () => {
    sim.faults.unauthorized = true;
    expect((await call(sim, 'GET', '/redfish/v1/Systems')).status).toBe(401);
    expect(
      (
        await call(sim, 'POST', '/redfish/v1/SessionService/Sessions', {
          body: { UserName: sim.username, Password: sim.password },
        })
      ).status,
    ).toBe(401);
    expect((await call(sim, 'GET', '/redfish/v1')).status).toBe(200);
    expect((await update(sim)).status).toBe(401);
    expect(sim.updateCount()).toBe(0);
  });

  test('fault 503: the next N requests get 503 with Retry-After, then the BMC answers again', async () => {
    sim.faults.unavailableFor(2, 3);
    const a = await call(sim, 'GET', '/redfish/v1/Systems');
    const b = await update(sim);
    expect([a.status, b.status]).toEqual([503, 503]);
    expect(a.headers['retry-after']).toBe('3');
    expect(sim.updateCount()).toBe(0);
    expect((await call(sim, 'GET', '/redfish/v1/Systems')).status).toBe(200);
  });

  test('fault bmc-reboots: connections refused for a while, then sessions and the task are gone and the DPU kept its version', async () => {
    sim.faults.rebootSeconds = 0.5;
    sim.faults.failNextUpdate('bmc-reboots');
    const login = await call(sim, 'POST', '/redfish/v1/SessionService/Sessions', {
      body: { UserName: sim.username, Password: sim.password },
    });
    const token = String(login.headers['x-auth-token']);
    expect((await update(sim)).status).toBe(202);
    // Halfway through the push the BMC goes away: poll until a connection is refused, then until it is back.
    let refused: Error | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      refused = await call(sim, 'GET', '/redfish/v1').then(
        () => undefined,
        (err: Error) => err,
      );
      if (!refused) await delay(30);
    }
    expect(refused?.message).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
    let back = false;
    for (let i = 0; i < 100 && !back; i++) {
      back = await call(sim, 'GET', '/redfish/v1').then(
        (a) => a.status === 200,
        () => false,
      );
      if (!back) await delay(50);
    }
    expect(back).toBe(true);
    expect((await call(sim, 'GET', '/redfish/v1/Systems', { token })).status).toBe(401);
    expect((await call(sim, 'GET', '/redfish/v1/TaskService/Tasks/0')).status).toBe(404);
    expect((await call(sim, 'GET', '/redfish/v1/TaskService/TaskMonitors/0')).status).toBe(404);
    expect(sim.installedVersion()).toBe('4.8.0-1');
    expect(sim.updateCount()).toBe(1);
  });

  test('several simulators on loopback addresses (as discovery scans them), each with its own certificate', async () => {
    const t0 = Date.now();
    const sims = await Promise.all(
      [2, 3, 4, 5, 6].map((i) => startBmcSim({ host: `127.0.0.${i}`, serial: `MT2242X0000${i}` })),
    );
    try {
      const startMs = Date.now() - t0;
      expect(new Set(sims.map((s) => s.certSha256)).size).toBe(5);
      for (const [i, s] of sims.entries()) {
        expect(s.url).toMatch(new RegExp(`^https://127\\.0\\.0\\.${i + 2}:\\d+$`));
        const sys = await call(s, 'GET', '/redfish/v1/Systems/Bluefield');
        expect([sys.json?.SerialNumber, sys.certSha256]).toEqual([`MT2242X0000${i + 2}`, s.certSha256]);
      }
      expect(startMs).toBeLessThan(10_000);
    } finally {
      await Promise.all(sims.map((s) => s.stop()));
    }
  });
});
