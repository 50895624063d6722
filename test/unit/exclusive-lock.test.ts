import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { exclusiveLock, releaseLeaked } from '../support/exclusive-lock';

const file = (name: string) => `/tmp/xpuflow-locks/${name}.lock`;
/** Whether another process could take the lock now (flock -n exits 1 when it is held). */
const freeForOthers = (name: string) => spawnSync('flock', ['-n', file(name), 'true']).status === 0;
/** Until the other process has the lock: a fixed sleep could lose the race on a busy machine. */
async function untilHeld(name: string): Promise<void> {
  while (freeForOthers(name)) await new Promise((r) => setTimeout(r, 50));
}
const unique = () => `unit-${crypto.randomBytes(4).toString('hex')}`;

test('a lock keeps other processes out until released, and counts re-entries in this process', async () => {
  const name = unique();
  const release1 = await exclusiveLock(name);
  expect(freeForOthers(name)).toBe(false);
  const release2 = await exclusiveLock(name);
  await release1();
  expect(freeForOthers(name)).toBe(false);
  await release2();
  expect(freeForOthers(name)).toBe(true);
});

test('a lock another process holds is waited for, and taken once it lets go', async () => {
  const name = unique();
  execFileSync('mkdir', ['-p', '/tmp/xpuflow-locks']);
  const other = spawn('flock', [file(name), 'sleep', '1.5']);
  const otherDone = new Promise((r) => other.once('exit', r));
  await untilHeld(name);
  const t0 = Date.now();
  const release = await exclusiveLock(name);
  expect(Date.now() - t0).toBeGreaterThan(200);
  expect(await otherDone).toBe(0);
  await release();
});

test('a lock not free in time is refused, naming the file', async () => {
  const name = unique();
  execFileSync('mkdir', ['-p', '/tmp/xpuflow-locks']);
  // Its own process group: killing the group ends sleep too, which holds the lock's file descriptor.
  const other = spawn('flock', [file(name), 'sleep', '30'], { detached: true });
  const stopOther = () => {
    if (other.exitCode === null && other.signalCode === null) process.kill(-other.pid!, 'SIGKILL');
  };
  await untilHeld(name);
  try {
    await expect(exclusiveLock(name, 1000)).rejects.toThrow(`no lock on ${file(name)} within 1000 ms`);
    // A failed wait leaves nothing counted: the next one takes it afresh.
    const exited = new Promise((r) => other.once('exit', r));
    stopOther();
    await exited;
    const release = await exclusiveLock(name, 5000);
    expect(freeForOthers(name)).toBe(false);
    await release();
  } finally {
    stopOther();
  }
});

test('at the end of a file, a lock taken and never released is let go, counting what leaked', async () => {
  const name = unique();
  const kept = await exclusiveLock(name);
  await exclusiveLock(name); // never released: a RealNode whose stop() never ran
  await kept();
  expect(freeForOthers(name)).toBe(false);
  expect(await releaseLeaked(name)).toBe(1);
  expect(freeForOthers(name)).toBe(true);
  expect(await releaseLeaked(name)).toBe(0);
  // The next taker takes it afresh.
  const again = await exclusiveLock(name, 5000);
  expect(freeForOthers(name)).toBe(false);
  await again();
  expect(freeForOthers(name)).toBe(true);
});
