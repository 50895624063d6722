/**
 * The Temporal UI as an operator's view, in a real browser: after a small demo
 * run on a dev server whose UI decodes payloads through xpuflow's codec server,
 * headless Chromium (Debian's) opens the workflows list filtered by
 * XpuflowPhase, finds the DPUs, and opens one whose input the UI decoded.
 * Skipped, saying so, only when Chromium is absent outside CI (CI installs it:
 * scripts/ensure-chromium.sh).
 */
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { AesGcmCodec } from '../../platform/codec/aes-gcm-codec';
import { loadKeyring } from '../../platform/codec/keyring';
import { startCodecServer, type CodecServer } from '../../platform/codec/server';
import { freePort } from '../../sim/free-port';
import { DevServer } from '../support/dev-server';
import { CHROMIUM, requirePrerequisites } from '../support/prerequisites';
import { distFile } from '../support/tools';

const { missing, test: uiTest } = requirePrerequisites('the Temporal UI browser test', ['chromium']);

jest.setTimeout(300_000);
const run = promisify(execFile);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-ui-'));
const keys = path.join(work, 'keys.json');
fs.writeFileSync(keys, JSON.stringify({ keys: { ui: crypto.randomBytes(32).toString('base64') } }));
let server: DevServer;
let codec: CodecServer;
let context: BrowserContext | undefined;
let dpus: string[] = [];

beforeAll(async () => {
  if (missing) return;
  const uiPort = await freePort();
  codec = await startCodecServer({
    codec: new AesGcmCodec(loadKeyring(keys)),
    corsOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
  });
  server = new DevServer({ uiCodecEndpoint: codec.url });
  server.port = await freePort();
  server.uiPort = uiPort;
  await server.start();
  const demo = await run(
    process.execPath,
    [
      distFile('cli/main.js'),
      'demo',
      '--hosts',
      '1',
      '--dpus',
      '2',
      '--flash-seconds',
      '2',
      '--reboot-seconds',
      '1',
      '--bfb-mib',
      '1',
      '--work-dir',
      path.join(work, 'demo'),
    ],
    { env: { ...process.env, TEMPORAL_ADDRESS: server.address, XPUFLOW_CODEC_KEYS: keys } },
  );
  const fleetId = /xpuflow demo (demo-\w+)/.exec(demo.stdout)![1];
  dpus = [0, 1].map((d) => `${fleetId}-host-01-dpu-${d}`);
  const profile = fs.mkdtempSync(path.join(work, 'chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await context?.close();
  await codec?.close();
  await server?.dispose();
  fs.rmSync(work, { recursive: true, force: true });
});

async function workflowsMatching(page: Page, query: string): Promise<void> {
  const url = `http://127.0.0.1:${server.uiPort}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
  await page.goto(url, { waitUntil: 'domcontentloaded' });
}

uiTest('filtered by XpuflowPhase, the UI lists the Ready DPUs, and none under Error', async () => {
  const page = await context!.newPage();
  await workflowsMatching(page, 'XpuflowPhase = "Ready"');
  for (const dpu of dpus) await page.getByText(`provision-dpu-${dpu}`).first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: path.join(os.tmpdir(), 'xpuflow-ui-ready.png'), fullPage: true });

  await workflowsMatching(
    page,
    `XpuflowPhase = "Error" AND XpuflowDpu STARTS_WITH "${dpus[0].replace(/-host.*/, '')}"`,
  );
  await page
    .getByText(/No Workflows/i)
    .first()
    .waitFor({ timeout: 60_000 });
  expect(await page.getByText(`provision-dpu-${dpus[0]}`).count()).toBe(0);
  await page.close();
});

uiTest("a DPU's page shows its input decoded through the codec server", async () => {
  const page = await context!.newPage();
  const decodes: number[] = [];
  page.on('response', (r) => {
    if (r.url().startsWith(`${codec.url}/decode`)) decodes.push(r.status());
  });
  await page.goto(`http://127.0.0.1:${server.uiPort}/namespaces/default/workflows/provision-dpu-${dpus[0]}`, {
    waitUntil: 'domcontentloaded',
  });
  // The spec (input) is encrypted in history; the UI shows it only through /decode.
  await page.getByText(dpus[0]).first().waitFor({ timeout: 60_000 });
  await page
    .getByText(/bf-bundle-2\.9\.1-sim\.bfb/)
    .first()
    .waitFor({ timeout: 60_000 });
  await page.screenshot({ path: path.join(os.tmpdir(), 'xpuflow-ui-workflow.png'), fullPage: true });
  expect(decodes.length).toBeGreaterThan(0);
  expect(decodes.every((s) => s === 200)).toBe(true);
  await page.close();
});
