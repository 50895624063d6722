/**
 * The order jest starts test files in (test/support/duration-sequencer.js):
 * longest first to the worker that frees first, files holding the same lock
 * kept apart where there is a choice, new files estimated from their folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { estimate, lockOf, planOrder } from '../support/duration-sequencer';

const f = (id: number, seconds: number, lock?: string) => ({ id, seconds, lock });

test('longest first: the long file does not end alone after the short ones', () => {
  const files = [f(0, 1), f(1, 1), f(2, 1), f(3, 1), f(4, 4)];
  const planned = planOrder(files, 2);
  expect(planned.order[0]).toBe(4);
  expect(planned.seconds).toBe(4);
  expect(planOrder(files, 1).seconds).toBe(8);
});

test('a file does not start beside one holding the same lock while another file can', () => {
  // By length alone 1 (lock a) would start beside 0 (lock a) and wait for it.
  const planned = planOrder([f(0, 10, 'a'), f(1, 9, 'a'), f(2, 8), f(3, 2)], 2);
  expect(planned.order.slice(0, 2)).toEqual([0, 2]);
  expect(planned.order.indexOf(1)).toBeGreaterThan(planned.order.indexOf(2));
});

test('when every file left holds the running lock, the longest still goes (nothing is dropped)', () => {
  const planned = planOrder([f(0, 5, 'a'), f(1, 4, 'a'), f(2, 3, 'a')], 2);
  expect([...planned.order].sort()).toEqual([0, 1, 2]);
});

test('a worker count that is not a whole number is refused, naming it', () => {
  expect(() => planOrder([f(0, 1)], 0)).toThrow(/workers=0: expected a whole number/);
});

test('a file with no recorded duration gets its folder mean, else the overall mean', () => {
  const recorded = { 'test/kube/a.test.ts': 60, 'test/kube/b.test.ts': 40, 'test/unit/c.test.ts': 1 };
  expect(
    estimate(
      ['test/kube/a.test.ts', 'test/kube/new.test.ts', 'test/unit/c.test.ts', 'test/lint/new.test.ts'],
      recorded,
    ),
  ).toEqual([60, 50, 1, (60 + 40 + 1) / 3]);
});

test('the lock a file holds is read from its holdLock(LOCKS.x) call', () => {
  expect(lockOf('holdLock(LOCKS.hostNetwork);')).toBe('hostNetwork');
  expect(lockOf("import { LOCKS } from '../support/exclusive-lock';")).toBeUndefined();
  const vfAttach = fs.readFileSync(path.join(__dirname, '..', 'e2e', 'vf-attach.test.ts'), 'utf8');
  expect(lockOf(vfAttach)).toBe('hostNetwork');
});

test('the recorded durations are seconds by test file path', () => {
  const doc = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', 'support', 'test-durations.json'), 'utf8'),
  ) as {
    seconds: Record<string, number>;
  };
  const entries = Object.entries(doc.seconds);
  expect(entries.length).toBeGreaterThan(50);
  for (const [file, s] of entries) {
    expect(file).toMatch(/^test\/.+\.test\.ts$/);
    expect(s).toBeGreaterThanOrEqual(0);
  }
});
