/**
 * The command runner (platform/process/command-runner.ts): commands such as
 * `ip` are forked by a small runner process, not by the worker that asks;
 * their output and failures are what execa gave; a runner that dies fails the
 * command in hand and is replaced; it never keeps its parent alive and goes
 * when its parent is killed.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { CommandFailed, runCommand } from '../../platform/process/command-runner';
import { pidAlive } from '../support/pid-alive';
import { REPO_ROOT } from '../support/tools';

const DIST_RUNNER = path.join(REPO_ROOT, 'dist/platform/process/command-runner.js');

/** The pid of the process that forks the commands: the parent of a shell the runner starts. */
async function forkingPid(): Promise<number> {
  return Number((await runCommand('sh', ['-c', 'echo $PPID'])).stdout);
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a command is forked by the runner, not by this process, and gives its output without the final newline', async () => {
  const runner = await forkingPid();
  expect(runner).toBeGreaterThan(0);
  expect(runner).not.toBe(process.pid);
  await expect(runCommand('sh', ['-c', 'printf "a\\nb\\n"; printf "warn\\n" >&2'])).resolves.toEqual({
    stdout: 'a\nb',
    stderr: 'warn',
  });
  // One runner serves every command.
  expect(await forkingPid()).toBe(runner);
});

test('stdin is given to the command; a command that reads none of a large input still succeeds', async () => {
  await expect(runCommand('cat', [], 'link set dev x up\n')).resolves.toEqual({
    stdout: 'link set dev x up',
    stderr: '',
  });
  await expect(runCommand('true', [], 'x'.repeat(4 << 20))).resolves.toEqual({ stdout: '', stderr: '' });
});

test('a failure names the command, its exit code and its stderr; a missing command says it could not start', async () => {
  const failed = await runCommand('sh', [
    '-c',
    'echo "Device \\"nope0\\" does not exist." >&2; exit 1',
  ]).catch((e: unknown) => e);
  expect(failed).toBeInstanceOf(CommandFailed);
  expect((failed as CommandFailed).exitCode).toBe(1);
  expect((failed as CommandFailed).stderr).toBe('Device "nope0" does not exist.');
  expect((failed as Error).message).toMatch(/^sh -c .* exited with code 1: Device "nope0" does not exist\.$/);
  await expect(runCommand('xpuflow-no-such-command', ['--x'])).rejects.toThrow(
    /^xpuflow-no-such-command --x could not start: spawn xpuflow-no-such-command ENOENT/,
  );
});

test('a runner killed with a command in hand fails that command, and the next command starts a new runner', async () => {
  const runner = await forkingPid();
  const inHand = runCommand('sleep', ['30']);
  await new Promise((r) => setTimeout(r, 200));
  process.kill(runner, 'SIGKILL');
  await expect(inHand).rejects.toThrow(
    new RegExp(
      `^the command runner process ${runner} exited \\(SIGKILL\\) with the command in hand; run the command again$`,
    ),
  );
  const next = await forkingPid();
  expect(next).not.toBe(runner);
  expect(pidAlive(runner)).toBe(false);
});

test('an idle runner does not keep its parent alive, and it goes when its parent is killed', async () => {
  const quick = spawnSync(
    process.execPath,
    ['-e', `require(${JSON.stringify(DIST_RUNNER)}).runCommand('true', []).then(() => console.log('ran'))`],
    { encoding: 'utf8', timeout: 10_000 },
  );
  expect(quick.error).toBeUndefined();
  expect(quick.stdout.trim()).toBe('ran');
  expect(quick.status).toBe(0);

  const parent = spawn(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(DIST_RUNNER)}).runCommand('sh', ['-c', 'echo $PPID'])` +
        `.then((r) => { console.log(r.stdout); setInterval(() => {}, 1000); })`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const runner = await new Promise<number>((resolve, reject) => {
    parent.stdout.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim())));
    parent.once('exit', (code) =>
      reject(new Error(`the parent exited (${code}) before its runner answered`)),
    );
  });
  expect(pidAlive(runner)).toBe(true);
  parent.kill('SIGKILL');
  await until(`runner ${runner} gone after its parent was killed`, () => !pidAlive(runner));
});
