/**
 * The BMC simulator as a process (sim/bmc/main.ts, as the Python tools and the
 * benchmarks run it): one JSON line once listening, its CA written where it says,
 * the flags reaching the Redfish data, a clean exit on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import * as https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { buildSync } from 'esbuild';

jest.setTimeout(30_000);

test('main.ts prints {url, caFile, certSha256, pid} once listening, serves the flags it was given, and exits 0 on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bmc-main-'));
  const main = path.join(dir, 'main.js');
  // The child runs this tree's TypeScript sources, not a dist/ that may be stale.
  buildSync({
    entryPoints: [path.join(__dirname, '..', '..', 'sim', 'bmc', 'main.ts')],
    bundle: true,
    platform: 'node',
    packages: 'external',
    outfile: main,
    logLevel: 'error',
  });
  const caFile = path.join(dir, 'ca.pem');
  const child = spawn(
    process.execPath,
    [main, '--host', '127.0.0.7', '--serial', 'MT2242X07777', '--ca-file', caFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const ready = JSON.parse(line) as { url: string; caFile: string; certSha256: string; pid: number };
    expect(ready).toEqual({
      url: expect.stringMatching(/^https:\/\/127\.0\.0\.7:\d+$/),
      caFile,
      certSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      pid: child.pid,
    });
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(
          `${ready.url}/redfish/v1/Systems/Bluefield`,
          { ca: fs.readFileSync(caFile), auth: 'root:xpuflow-bmc' },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text));
          },
        )
        .on('error', reject);
    });
    const sys = JSON.parse(body) as { SerialNumber: string; Oem?: unknown };
    // The serial, and no host facts: a real BlueField BMC reports neither the host nor its PCI address.
    expect([sys.SerialNumber, sys.Oem]).toEqual(['MT2242X07777', undefined]);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
