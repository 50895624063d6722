import { tearDown } from '../support/tear-down';

test('every teardown step runs when one before it fails, and the failure names each failed step', async () => {
  const ran: string[] = [];
  const teardown = tearDown('the harness', [
    ['the workers', () => ran.push('workers')],
    [
      'the fleets',
      async () => {
        ran.push('fleets');
        throw new Error('host-03 did not stop in 5 s');
      },
    ],
    ['real node n1', () => ran.push('node')],
    [
      'the API servers',
      () => {
        ran.push('apis');
        throw new Error('etcd exited 1');
      },
    ],
  ]);
  await expect(teardown).rejects.toThrow(
    'the harness: 2 teardown step(s) failed (the others ran):\nthe fleets: host-03 did not stop in 5 s\nthe API servers: etcd exited 1',
  );
  expect(ran).toEqual(['workers', 'fleets', 'node', 'apis']);
});

test('a teardown whose steps all end resolves', async () => {
  const ran: string[] = [];
  await tearDown('the harness', [
    ['a', async () => ran.push('a')],
    ['b', () => undefined],
  ]);
  expect(ran).toEqual(['a']);
});
