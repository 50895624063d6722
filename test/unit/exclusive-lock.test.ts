/**
 * test/support/exclusive-lock.ts: a second taker waits until the first
 * releases; a taker that waits too long fails naming the holder.
 */
import fs from 'node:fs';
import { exclusiveLock } from '../support/exclusive-lock';

const NAME = `unit-test-${process.pid}`;

test('a second taker waits for the first to release; one that waits too long names the holder', async () => {
  const first = await exclusiveLock(NAME, { holder: 'the first taker' });
  let secondHeld = false;
  const second = exclusiveLock(NAME).then((l) => {
    secondHeld = true;
    return l;
  });
  await expect(exclusiveLock(NAME, { timeoutMs: 300 })).rejects.toThrow(
    `lock ${first.path} still held after 300 ms by process ${process.pid} (the first taker): wait for that run to end, or stop it`,
  );
  expect(secondHeld).toBe(false);
  await first.release();
  const l = await second;
  expect(secondHeld).toBe(true);
  await l.release();
  fs.rmSync(first.path, { force: true });
});

test('a name that is not a plain file name is refused', async () => {
  await expect(exclusiveLock('../x')).rejects.toThrow(
    'lock name "../x": use lower-case letters, digits and dashes',
  );
});
