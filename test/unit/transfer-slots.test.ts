/** The per-worker bound on BFB transfers: never more at once than the slots, every waiter served in turn. */
import { TransferSlots } from '../../activities/dms/transfer-slots';

test('ten transfers through three slots: at most three at once, all done, slots all free after', async () => {
  const slots = new TransferSlots(3);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      slots.run(`t${i}`, async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5 + (i % 3)));
        running -= 1;
        order.push(i);
      }),
    ),
  );
  expect(peak).toBe(3);
  expect(order.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(slots.inUse).toBe(0);
});

test('a failing transfer gives its slot back', async () => {
  const slots = new TransferSlots(1);
  await expect(slots.run('bad', async () => Promise.reject(new Error('DMS gone')))).rejects.toThrow(
    'DMS gone',
  );
  await expect(slots.run('good', async () => 'ok')).resolves.toBe('ok');
  expect(slots.inUse).toBe(0);
});

test('a slot count that is not a whole number of 1 or more is refused', () => {
  expect(() => new TransferSlots(0)).toThrow('transfer slots 0 must be a whole number of 1 or more');
});
