/**
 * A wait's reads of a watched object (activities/kube/object-watch.ts WatchedObject): what the watch delivered
 * instead of a GET per look, a GET before the watch delivers, while it fails, and once per refresh.
 */
import { WatchedObject } from '../../activities/kube/object-watch';

function setUp() {
  let now = 0;
  let gets = 0;
  const watched = new WatchedObject<{ phase: string }>(15_000, () => now);
  const get = async () => {
    gets++;
    return { phase: 'from GET' };
  };
  return {
    watched,
    read: () => watched.read(get),
    gets: () => gets,
    at: (ms: number) => (now = ms),
  };
}

test('a GET until the watch delivers, then what it delivered, with no GET', async () => {
  const t = setUp();
  expect(await t.read()).toEqual({ phase: 'from GET' });
  t.watched.event('ADDED', { phase: 'OS Installing' });
  t.at(1000);
  expect(await t.read()).toEqual({ phase: 'OS Installing' });
  t.watched.event('MODIFIED', { phase: 'Ready' });
  t.at(2000);
  expect(await t.read()).toEqual({ phase: 'Ready' });
  expect(t.gets()).toBe(1);
});

test('a deleted object reads as gone', async () => {
  const t = setUp();
  await t.read();
  t.watched.event('DELETED', { phase: 'Ready' });
  expect(await t.read()).toBeUndefined();
});

test('a GET again once per refresh, and at every look while the watch cannot start', async () => {
  const t = setUp();
  await t.read();
  t.watched.event('ADDED', { phase: 'Rebooting' });
  t.at(14_999);
  await t.read();
  expect(t.gets()).toBe(1);
  t.at(15_000);
  expect(await t.read()).toEqual({ phase: 'from GET' });
  expect(t.gets()).toBe(2);
  t.watched.watchFailing();
  t.at(15_001);
  await t.read();
  await t.read();
  expect(t.gets()).toBe(4);
  // Delivering again, the watch is trusted again.
  t.watched.event('ADDED', { phase: 'Ready' });
  expect(await t.read()).toEqual({ phase: 'Ready' });
  expect(t.gets()).toBe(4);
});

test('an event delivered while a GET is out wins over the GET answer, so the change is not hidden until the refresh', async () => {
  const watched = new WatchedObject<{ ready: boolean }>(15_000, () => 0);
  let answer: (v: { ready: boolean }) => void = () => undefined;
  const reading = watched.read(() => new Promise((r) => (answer = r)));
  // The node turns Ready while the GET (sent before it did) is on its way back.
  watched.event('MODIFIED', { ready: true });
  answer({ ready: false });
  expect(await reading).toEqual({ ready: true });
  expect(await watched.read(async () => ({ ready: false }))).toEqual({ ready: true });
});
