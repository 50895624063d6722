/**
 * Every benchmark entry point, as built (`node dist/bench/<name>.js`; dist/ comes from
 * scripts/ensure-tools.sh, which `npm test` runs, or `npm run build`): --help prints its
 * flags with the defaults other people's scripts rely on and exits 0 at once, having
 * started nothing (a bench that ignored --help would run for minutes and be killed here);
 * a wrong flag is refused with exit 2, before anything starts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { distFile, REPO_ROOT } from '../support/tools';

jest.setTimeout(120_000);

/** Each entry's flags and the defaults its --help shows (undefined: a switch, which has none). */
const EXPECTED: Record<string, Record<string, string | undefined>> = {
  'bfb-transfer': { transfers: '16', mib: '64', 'chunk-kib': '256', rounds: '1' },
  'cni-cold-start': { adds: '50', versions: '100' },
  'dms-clients-memory': { addresses: '200' },
  'source-map-memory': { rounds: '3', replays: '5' },
  'credential-renewal': { renewals: '200' },
  'dpu-discovery': { addresses: '256', bmcs: '40', workers: '32' },
  'dpu-service': { clusters: '4', repeats: '3' },
  'dpuset-rollout': {
    hosts: '10',
    dpus: '10',
    'max-unavailable': '10%',
    'flash-seconds': '6',
    'reboot-seconds': '1',
  },
  'history-file-cost': {},
  'provision-fleet': {
    server: 'dev',
    hosts: '20',
    dpus: '10',
    'flash-seconds': '30',
    'reboot-seconds': '5',
    'bfb-mib': '4',
    'control-workers': '1',
    'control-flags': 'none',
    'control-node-options': 'none',
    'control-malloc-arena-max': 'none',
  },
  'temporal-floor': {
    flows: '200',
    'wait-seconds': '35',
    'quiet-seconds': '30',
    'look-seconds': '1',
    'max-look-seconds': '2',
    before: '4',
    after: '1',
  },
  'service-chain': { ports: '8,64,256', 'steady-runs': '5', verbose: undefined },
  'vf-attach': { attaches: '100', 'in-flight': '1,8', history: undefined },
};

/** A bench that has not exited by then has started its run: it is killed, with everything it started. */
const EXIT_WITHIN_MS = 30_000;

function runEntry(
  name: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  // Its own process group, so a bench that did start servers is stopped with all of them.
  const child = spawn(process.execPath, [distFile(`bench/${name}.js`), ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(
        new Error(
          `node dist/bench/${name}.js ${args.join(' ')} did not exit within ${EXIT_WITHIN_MS / 1000} s: ` +
            `it started the benchmark (a dist/ older than bench/command-line.ts? run npm run build). Output:\n${stdout}${stderr}`,
        ),
      );
    }, EXIT_WITHIN_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

test('every bench entry point (a bench/*.ts that calls runBench) has its row here', () => {
  const entries = fs
    .readdirSync(path.join(REPO_ROOT, 'bench'))
    .filter(
      (f) =>
        f.endsWith('.ts') && /^runBench\(/m.test(fs.readFileSync(path.join(REPO_ROOT, 'bench', f), 'utf8')),
    )
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  expect(entries).toEqual(Object.keys(EXPECTED).sort());
});

test.each(Object.entries(EXPECTED))(
  'node dist/bench/%s.js --help lists its flags with their defaults and exits 0, starting nothing',
  async (name, flags) => {
    const { code, stdout, stderr } = await runEntry(name, ['--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`usage: node dist/bench/${name}.js [flags]`);
    const listed = [...stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
    expect(listed).toEqual(Object.keys(flags));
    expect(stdout).toMatch(/^ {2}-h, --help +print this and exit$/m);
    for (const [flag, shown] of Object.entries(flags)) {
      const line = stdout.split('\n').find((l) => l.startsWith(`  --${flag} `));
      if (shown === undefined) expect(line).not.toContain('(default');
      else expect(line).toMatch(new RegExp(`\\(default ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
    }
  },
);

test('node dist/bench/provision-fleet.js refuses --dpus five and a misspelt flag with exit 2, naming them, before anything starts', async () => {
  const { code, stdout, stderr } = await runEntry('provision-fleet', [
    '--dpus',
    'five',
    '--flash-second',
    '3',
  ]);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toContain(
    'provision-fleet: --dpus "five" is not a whole number of at least 1: give one, e.g. 10',
  );
  expect(stderr).toContain(
    'provision-fleet: unknown flag --flash-second (given "3"): did you mean --flash-seconds?',
  );
  expect(stderr).toContain('known flags: --server, --hosts, --dpus, --flash-seconds,');
});
