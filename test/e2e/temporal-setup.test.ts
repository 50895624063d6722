/**
 * `xpuflow setup` on a Temporal cluster shaped like production
 * (test/support/temporal-cluster.ts: PostgreSQL, SQL visibility, four
 * services, mTLS), and the bad input of issue 19 named by xpuflow before any
 * workflow starts: a namespace that does not exist, a search attribute of
 * the wrong type, a client certificate the frontend does not trust. One
 * cluster for the file; its own namespace is made without xpuflow's search
 * attributes, and setup creates a second namespace from nothing.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import type { SetupReport } from '../../cli/setup/setup';
import { provisionDpuWorkflowId } from '../../model/workflow-ids';
import { TestPki } from '../support/certs';
import { requirePrerequisites } from '../support/prerequisites';
import { TemporalCluster } from '../support/temporal-cluster';
import { distFile, temporalCli } from '../support/tools';

const { describe } = requirePrerequisites('Temporal cluster tests', ['temporal-cluster']);
jest.setTimeout(60_000);
const execFileP = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

describe('xpuflow setup, and bad input named before any workflow starts, on a Temporal cluster', () => {
  // The harness's namespace, made by an administrator without xpuflow's search attributes.
  const cluster = new TemporalCluster({ namespace: 'xpuflow-bare', searchAttributes: false });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-setup-e2e-'));
  const FRESH = 'xpuflow-fresh';
  let client: Client;

  /** The xpuflow CLI (or a worker entry point) as a process, with the cluster's mTLS settings. */
  const xpuflow = (args: string[], env: Record<string, string | undefined> = {}, file = 'cli/main.js') =>
    execFileP(process.execPath, [distFile(file), ...args], {
      env: { ...process.env, ...cluster.clientEnv(env) },
      timeout: 50_000,
    }).then(
      (r): Ran => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number | string; stdout: string; stderr: string }): Ran => ({
        code: typeof e.code === 'number' ? e.code : -1,
        stdout: e.stdout,
        stderr: `${e.stderr}${typeof e.code === 'string' ? ` (${e.code})` : ''}`,
      }),
    );
  const setupJson = async (args: string[], env: Record<string, string | undefined> = {}) => {
    const r = await xpuflow(['setup', '--json', ...args], env);
    return { ...r, report: r.stdout ? (JSON.parse(r.stdout) as SetupReport) : undefined };
  };
  const attributes = async (namespace: string) =>
    (await client.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  /** `xpuflow dpu provision` of a DPU nobody serves: it must be refused before its workflow starts. */
  const provisionArgs = (name: string) => [
    'dpu',
    'provision',
    '--name',
    name,
    '--node',
    'n1',
    '--pci',
    '0000:03:00.0',
    '--bfb-url',
    'http://127.0.0.1:1/x.bfb',
    '--bfb-sha256',
    'a'.repeat(64),
    '--dms',
    '127.0.0.1:1',
    '--no-check-node',
  ];
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  const text = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT;

  beforeAll(async () => {
    await cluster.start();
    client = await cluster.connect();
  }, 60_000);

  afterAll(async () => {
    await client?.connection.close();
    await cluster.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a namespace that does not exist, and a client certificate the frontend does not trust: workers and commands say what to run, and nothing is created', async () => {
    const ghost = { TEMPORAL_NAMESPACE: 'ghost' };
    const sys = path.join(dir, 'sys');
    fs.mkdirSync(sys);
    const stranger = new TestPki();
    const foreign = stranger.issue(stranger.ca('some-other-ca'), 'foreign-admin');
    const untrusted = {
      TEMPORAL_TLS_CLIENT_CERT_PATH: foreign.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: foreign.key,
    };
    // All at once: each is a process of its own, started and refused in parallel.
    const [control, host, provision, list, setupNoRetention, setupUntrusted] = await Promise.all([
      xpuflow(['worker', 'control', '--bfb-cache', path.join(dir, 'bfb')], ghost),
      xpuflow(['worker', 'host', '--node', 'n1', '--sysfs-root', sys, '--discovery-interval', '0'], ghost),
      xpuflow(provisionArgs('ghost-dpu'), ghost),
      xpuflow(['runs', 'list'], ghost),
      xpuflow(['setup'], ghost),
      // Workers connect the same way (connectClient first); temporal-cluster.test.ts has their handshake.
      xpuflow(['setup', '--namespace', 'xpuflow-foreign', '--retention', '1d'], untrusted),
    ]).finally(() => stranger.dispose());
    const missing =
      /namespace ghost does not exist on this Temporal cluster; an administrator creates it, with xpuflow's search attributes, with:\n {2}xpuflow setup --namespace ghost --retention 7d/;
    for (const [who, r] of Object.entries({ control, host, provision, list })) {
      expect({ who, code: r.code }).toEqual({ who, code: 1 });
      expect({ who, stderr: r.stderr }).toEqual({ who, stderr: expect.stringMatching(missing) });
    }
    // Setup itself asks for the retention before it creates anything.
    expect(setupNoRetention.code).toBe(2);
    expect(setupNoRetention.stderr).toContain(
      'namespace ghost does not exist: give the retention of its closed runs to create it, e.g.\n  xpuflow setup --namespace ghost --retention 7d',
    );
    expect(setupUntrusted.code).toBe(1);
    expect(setupUntrusted.stderr).toMatch(
      /TLS handshake with Temporal at .* failed: the server refused this client's certificate: no CA it trusts for clients signed it; use a certificate from the cluster's client CA \(TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
    for (const namespace of ['ghost', 'xpuflow-foreign'])
      await expect(client.workflowService.describeNamespace({ namespace })).rejects.toThrow(/not found/i);
  });

  test('setup on an empty cluster creates the namespace and the attributes; a second run finds them all and changes nothing', async () => {
    const first = await setupJson(['--namespace', FRESH, '--retention', '3d']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.report).toMatchObject({
      namespace: FRESH,
      namespaceState: 'created',
      retention: '3d',
      problems: [],
      searchAttributes: [
        { name: 'XpuflowPhase', state: 'created', type: 'Keyword' },
        { name: 'XpuflowDpu', state: 'created', type: 'Keyword' },
        { name: 'XpuflowNode', state: 'created', type: 'Keyword' },
      ],
    });
    // Done means usable: visibility accepts a query on each attribute at once.
    await expect(
      client.workflowService.countWorkflowExecutions({
        namespace: FRESH,
        query: "XpuflowPhase = 'Ready' AND XpuflowDpu = 'x' AND XpuflowNode = 'y'",
      }),
    ).resolves.toBeDefined();
    const attrsBefore = await attributes(FRESH);
    const nsBefore = await client.workflowService.describeNamespace({ namespace: FRESH });

    // Again, asking another retention: all already existed, the retention is kept and said so.
    const second = await xpuflow(['setup', '--namespace', FRESH, '--retention', '5d']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`namespace ${FRESH}: already existed (retention 3d)`);
    expect(second.stdout).toContain('search attribute XpuflowPhase: already existed (Keyword)');
    expect(second.stdout).toContain(
      `note: namespace ${FRESH} keeps its retention 3d, not the 5d asked for: setup does not change what exists; ` +
        `to change it run\n  temporal operator namespace update --namespace ${FRESH} --retention 5d`,
    );
    expect(second.stdout).toContain(
      `created: nothing; already existed: namespace ${FRESH}, XpuflowPhase, XpuflowDpu, XpuflowNode (retention 3d;`,
    );
    expect(second.stdout).toContain(`namespace ${FRESH} is ready for xpuflow`);
    expect(await attributes(FRESH)).toEqual(attrsBefore);
    const nsAfter = await client.workflowService.describeNamespace({ namespace: FRESH });
    expect(tsToMs(nsAfter.config!.workflowExecutionRetentionTtl!)).toBe(3 * 86_400_000);
    expect(nsAfter.config?.customSearchAttributeAliases).toEqual(
      nsBefore.config?.customSearchAttributeAliases,
    );
  });

  test('a demo-sized provisioning (1 host, 1 DPU) reaches Ready in the namespace setup made', async () => {
    const r = await xpuflow(
      [
        'demo',
        '--hosts',
        '1',
        '--dpus',
        '1',
        '--flash-seconds',
        '1',
        '--reboot-seconds',
        '0',
        '--bfb-mib',
        '1',
        '--timeout-seconds',
        '40',
        '--work-dir',
        path.join(dir, 'demo'),
      ],
      { TEMPORAL_NAMESPACE: FRESH },
    );
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(r.stdout).toContain(`(namespace ${FRESH})`);
    expect(r.stdout).toMatch(/all 1 DPUs Ready in [\d.]+ s/);
  });

  test('an attribute registered as Text: workers and commands refuse naming it, setup says what to run, and after that run setup completes', async () => {
    const ns = cluster.namespace;
    await client.connection.operatorService.addSearchAttributes({
      namespace: ns,
      searchAttributes: { XpuflowPhase: text },
    });
    // Setup, the control worker and a command that starts a workflow, at once: each names the Text one.
    const [first, control, provision] = await Promise.all([
      xpuflow(['setup']),
      xpuflow(['worker', 'control', '--bfb-cache', path.join(dir, 'bfb')]),
      xpuflow(provisionArgs('text-dpu')),
    ]);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('search attribute XpuflowPhase: registered as Text, not Keyword');
    expect(first.stdout).toContain('search attribute XpuflowDpu: created (Keyword)');
    expect(first.stderr).toContain(
      `xpuflow: namespace ${ns} has XpuflowPhase as Text; xpuflow needs Keyword. A type cannot be changed in place; ` +
        `an administrator removes and creates each again:\n  temporal operator search-attribute remove --namespace ${ns} ` +
        `--name XpuflowPhase && temporal operator search-attribute create --namespace ${ns} --name XpuflowPhase --type Keyword`,
    );
    // The control worker refuses to start, and no workflow starts.
    for (const r of [control, provision]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`namespace ${ns} has XpuflowPhase as Text; xpuflow needs Keyword`);
    }
    await expect(
      client.workflowService.describeWorkflowExecution({
        namespace: ns,
        execution: { workflowId: provisionDpuWorkflowId('text-dpu') },
      }),
    ).rejects.toThrow(/not found/i);

    // What setup said to run, as the administrator: the remove it printed (--yes: no prompt here),
    // then setup again, which creates it as Keyword and finds the others.
    const remove = /^ {2}(temporal operator search-attribute remove [^&]+?) &&/m.exec(first.stderr)?.[1];
    expect(remove).toBe(`temporal operator search-attribute remove --namespace ${ns} --name XpuflowPhase`);
    await execFileP(temporalCli(), [...remove!.split(' ').slice(1), '--yes', ...cluster.adminArgs()], {
      env: { ...process.env, TEMPORAL_CONFIG_FILE: path.join(dir, 'no-profile.toml') },
    });
    const again = await setupJson([]);
    expect(again.code).toBe(0);
    expect(again.report?.searchAttributes).toEqual([
      { name: 'XpuflowPhase', state: 'created', type: 'Keyword' },
      { name: 'XpuflowDpu', state: 'existed', type: 'Keyword' },
      { name: 'XpuflowNode', state: 'existed', type: 'Keyword' },
    ]);
    expect(await attributes(ns)).toMatchObject({ XpuflowPhase: keyword });
  });
});
