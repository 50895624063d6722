/** The generic controller runner: informers first and in order, then queues fed by their events; stop undoes it. */
import type * as k8s from '@kubernetes/client-node';
import type { Informer } from '../../controllers/informers';
import { controllerRunner, objectQueue, on, watched } from '../../controllers/controller-runner';

type Obj = k8s.KubernetesObject;

function fakeInformer(name: string, events: string[]) {
  const handlers = new Map<string, Array<(o: Obj) => void>>();
  const inf = {
    on: (ev: string, fn: (o: Obj) => void) => handlers.set(ev, [...(handlers.get(ev) ?? []), fn]),
    start: async () => void events.push(`start ${name}`),
    stop: async () => void events.push(`stop ${name}`),
    emit: (ev: string, o: Obj) => handlers.get(ev)?.forEach((fn) => fn(o)),
  };
  return inf as unknown as Informer<Obj> & { emit(ev: string, o: Obj): void };
}

const obj = (name: string, labels?: Record<string, string>): Obj => ({ metadata: { name, labels } });

test('informers start in order before any reconcile; own and extra events queue keys; stop stops all', async () => {
  const events: string[] = [];
  const things = fakeInformer('things', events);
  const parts = fakeInformer('parts', events);
  const logs: string[] = [];
  let fail = true;
  const runner = controllerRunner({
    kc: {} as k8s.KubeConfig,
    namespace: 'ns',
    log: (l) => logs.push(l),
    informers: [watched(parts, 'parts'), watched(things, 'things')],
    queues: [
      objectQueue(
        'DPU',
        things,
        'ns',
        async (n, name) => {
          events.push(`reconcile ${n}/${name}`);
          if (name === 'bad' && fail) {
            fail = false;
            throw new Error('boom');
          }
        },
        [on(parts, (p) => [`ns/${p.metadata?.labels?.owner}`])],
      ),
    ],
    runningMessage: 'running',
  });
  things.emit('add', obj('early')); // queued before start: reconciled only once every informer runs
  await runner.start();
  expect(events.slice(0, 3)).toEqual(['start parts', 'start things', 'reconcile ns/early']);
  parts.emit('update', obj('p1', { owner: 'a' }));
  things.emit('delete', obj('bad'));
  await new Promise((r) => setTimeout(r, 10));
  expect(events).toContain('reconcile ns/a');
  expect(logs).toEqual(['running', 'reconcile of DPU ns/bad failed (will retry): boom']);
  await runner.stop();
  expect(events.slice(-2)).toEqual(['stop parts', 'stop things']);
});
