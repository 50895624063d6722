/**
 * The xpuflow command as an operator runs it (the compiled CLI in a child
 * process) against a real dev server, workers and simulators.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { DpuView } from '../../cli/dpu/read-status';
import { provisionDpuWorkflowId } from '../../model/workflow-ids';
import type { SimFleet } from '../../sim/fleet';
import { distFile } from '../support/tools';
import { Harness } from './fleet-harness';

jest.setTimeout(180_000);
const run = promisify(execFile);
const h = new Harness();
let fleet: SimFleet;

async function xpuflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [distFile('cli/main.js'), ...args], {
      env: { ...process.env, ...h.env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function provisionArgs(
  spec: SimFleet['dpus'][number]['spec'],
  override: Record<string, string> = {},
): string[] {
  const flags: Record<string, string> = {
    '--name': spec.name,
    '--node': spec.node,
    '--pci': spec.pciAddress,
    '--bfb-url': spec.bfb.url,
    '--bfb-sha256': spec.bfb.sha256,
    '--dms': spec.dmsAddress,
    '--num-vfs': String(spec.numVfs),
    ...override,
  };
  return ['dpu', 'provision', ...Object.entries(flags).flat()];
}

beforeAll(async () => {
  await h.start();
  fleet = await h.fleet('cli', {
    hosts: 1,
    dpusPerHost: 1,
    flashMs: 3_000,
    rebootMs: 1_000,
    bfbSizeBytes: 2 ** 20,
    timing: { expectedFlashSeconds: 3, pollInitialSeconds: 1, pollMaxSeconds: 1, rebootDelaySeconds: 1 },
  });
});
afterAll(() => h.dispose());

test.each([
  [{ '--pci': '0000:03:00' }, 'PCI address "0000:03:00" is not of the form DDDD:BB:DD.F'],
  [{ '--pci': '0000:03:00.0/../../x' }, 'PCI address "0000:03:00.0/../../x"'],
  [{ '--bfb-url': 'file:///etc/passwd' }, 'BFB URL "file:///etc/passwd" is not an http:// or https:// URL'],
  [{ '--num-vfs': '-1' }, 'numVfs -1 must be a whole number of 0 or more'],
  [{ '--node': 'ghost-node' }, 'unknown node "ghost-node": no host worker polls xpuflow-host-ghost-node'],
])('dpu provision refuses %j with exit 2, naming the value, and starts nothing', async (override, words) => {
  const [d] = fleet.dpus;
  const r = await xpuflow(...provisionArgs(d.spec, override));
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(words);
  await expect(
    h.client.workflow.getHandle(provisionDpuWorkflowId(d.spec.name)).describe(),
  ).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

test('dpu provision --wait follows the DPU to Ready (exit 0); status --json and --phases tell the story', async () => {
  const [d] = fleet.dpus;
  // The flags give the spec; a spec file adds the simulator's short timings (a real flash takes 20 minutes).
  const specFile = path.join(h.dir, 'timing.json');
  fs.writeFileSync(specFile, JSON.stringify({ timing: d.spec.timing }));
  const r = await xpuflow(...provisionArgs(d.spec), '--spec', specFile, '--wait');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`provisioning ${d.spec.name} on ${d.spec.node}`);
  expect(r.stdout).toContain(`DPU ${d.spec.name} on ${d.spec.node}: Ready`);

  const json = await xpuflow('dpu', 'status', d.spec.name, '--json');
  const view = JSON.parse(json.stdout) as DpuView;
  expect(view.execution).toBe('COMPLETED');
  expect(view.status?.phase).toBe('Ready');
  expect(view.status?.conditions.map((c) => c.type)).toContain('OSInstalled');

  const phases = await xpuflow('dpu', 'status', d.spec.name, '--phases');
  expect(phases.stdout).toMatch(
    /done\s+OS Installing\s+[\d.]+ s\s+DMS flashed bf-bundle\S+ with \S+\.cfg and rebooted/,
  );
  expect(phases.stdout).toMatch(/skipped\s+Node Effect/);

  const again = await xpuflow('dpu', 'retry', d.spec.name);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/retry refused|not Error|nothing to retry|completed/i);
});
