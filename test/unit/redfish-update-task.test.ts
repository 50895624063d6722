/**
 * SimpleUpdate, the task monitor and findUpdateTask against a tiny HTTPS server playing a bmcweb-style
 * BMC: 202 + Location + Retry-After while the task runs, 204 once and then 404 on the monitor, the
 * Task's Payload recording the request; task failures by DMTF message id.
 */
import { openRedfish, type RedfishSession, type Task } from '../../activities/redfish/client';
import {
  type Answer,
  ROOT_WITH_SESSIONS,
  type SeenRequest,
  startTestBmc,
  type TestBmc,
  TestPkiPair,
} from './redfish-test-bmc';
import { redfishFailure } from '../support/redfish-failure';

const cred = { username: 'root', password: 'pw' };
const ACTION = '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate';
const IMAGE = 'http://10.0.0.1:8080/bfb/??bf.bfb,bf.cfg?/bfb-to-install';

/** A BMC (basic auth for brevity) whose tasks, monitor answers and inventory the tests set. */
class FakeBmc {
  tasks = new Map<string, Task>();
  monitor: (id: string) => Answer = () => ({ status: 404 });
  update: (r: SeenRequest) => Answer = () => ({ status: 500 });
  inventory: Record<string, string> = {
    DPU_OS: 'DOCA_2.9.0_BSP_4.9.0_Ubuntu_22.04',
    BMC_Firmware: 'BF-24.10-17',
  };
  tasksCollection = true;

  route = (r: SeenRequest): Answer | undefined => {
    const { path: p, method } = r;
    if (p === '/redfish/v1') return { status: 200, body: { ...ROOT_WITH_SESSIONS, Links: undefined } };
    if (p === '/redfish/v1/Systems') return { status: 200, body: { '@odata.id': p, Members: [] } };
    if (p === '/redfish/v1/UpdateService')
      return {
        status: 200,
        body: {
          '@odata.id': p,
          FirmwareInventory: { '@odata.id': '/redfish/v1/UpdateService/FirmwareInventory' },
          Actions: {
            '#UpdateService.SimpleUpdate': {
              target: ACTION,
              'TransferProtocol@Redfish.AllowableValues': ['HTTP', 'HTTPS'],
            },
          },
        },
      };
    if (p === ACTION && method === 'POST') return this.update(r);
    if (p === '/redfish/v1/UpdateService/FirmwareInventory')
      return {
        status: 200,
        body: {
          '@odata.id': p,
          Members: Object.keys(this.inventory).map((id) => ({ '@odata.id': `${p}/${id}` })),
        },
      };
    const inv = /^\/redfish\/v1\/UpdateService\/FirmwareInventory\/(\w+)$/.exec(p);
    if (inv && this.inventory[inv[1]])
      return { status: 200, body: { '@odata.id': p, Id: inv[1], Version: this.inventory[inv[1]] } };
    if (p === '/redfish/v1/TaskService')
      return {
        status: 200,
        body: { '@odata.id': p, Tasks: { '@odata.id': '/redfish/v1/TaskService/Tasks' } },
      };
    if (p === '/redfish/v1/TaskService/Tasks' && this.tasksCollection)
      return {
        status: 200,
        body: {
          '@odata.id': p,
          Members: [...this.tasks.keys()].map((id) => ({ '@odata.id': `${p}/${id}` })),
        },
      };
    const mon = /^\/redfish\/v1\/TaskService\/Tasks\/(\w+)\/Monitor$/.exec(p);
    if (mon) return this.monitor(mon[1]);
    const task = /^\/redfish\/v1\/TaskService\/Tasks\/(\w+)$/.exec(p);
    if (task && this.tasks.has(task[1])) return { status: 200, body: this.tasks.get(task[1]) };
    return undefined;
  };

  addTask(id: string, state: Task['TaskState'], imageUri: string, extra: Partial<Task> = {}): Task {
    const t: Task = {
      '@odata.id': `/redfish/v1/TaskService/Tasks/${id}`,
      Id: id,
      TaskState: state,
      PercentComplete: state === 'Completed' ? 100 : 40,
      Messages: [],
      TaskMonitor: `/redfish/v1/TaskService/Tasks/${id}/Monitor`,
      // bmcweb: JsonBody is the request body dumped to a string
      Payload: {
        TargetUri: ACTION,
        HttpOperation: 'POST',
        JsonBody: JSON.stringify({ ImageURI: imageUri, TransferProtocol: 'HTTP' }),
      },
      ...extra,
    };
    this.tasks.set(id, t);
    return t;
  }
}

describe('Redfish client SimpleUpdate, task monitor and findUpdateTask', () => {
  const pki = new TestPkiPair();
  let server: TestBmc;
  let bmc: FakeBmc;
  let rf: RedfishSession;
  beforeAll(async () => {
    server = await startTestBmc(pki, () => undefined);
  });
  afterAll(async () => {
    await server.stop();
    pki.pki.dispose();
  });
  beforeEach(async () => {
    bmc = new FakeBmc();
    server.route = bmc.route;
    server.seen.length = 0;
    rf = await openRedfish({ address: server.address, caPem: server.caPem }, cred);
  });

  test('SimpleUpdate posts ImageURI, TransferProtocol and Targets to the advertised target; 202 → task and monitor', async () => {
    bmc.update = (r) => {
      const t = bmc.addTask('3', 'Running', (r.body as { ImageURI: string }).ImageURI);
      return {
        status: 202,
        headers: { Location: `https://${server.address}${t.TaskMonitor}`, 'Retry-After': '5' },
        body: t,
      };
    };
    const ref = await rf.simpleUpdate({
      imageUri: IMAGE,
      targets: ['redfish/v1/UpdateService/FirmwareInventory/DPU_OS'],
    });
    expect(ref).toEqual({
      task: '/redfish/v1/TaskService/Tasks/3',
      monitor: '/redfish/v1/TaskService/Tasks/3/Monitor',
      imageUri: IMAGE,
    });
    const post = server.seen.find((r) => r.method === 'POST');
    expect(post?.path).toBe(ACTION);
    expect(post?.body).toEqual({
      ImageURI: IMAGE,
      TransferProtocol: 'HTTP',
      Targets: ['redfish/v1/UpdateService/FirmwareInventory/DPU_OS'],
    });
  });

  test('the task monitor: 202 + Retry-After while running (returned, not slept), then 204, then 404 → the Task says Completed', async () => {
    const t = bmc.addTask('4', 'Running', IMAGE, { PercentComplete: 40 });
    const ref = { task: t['@odata.id'], monitor: t.TaskMonitor, imageUri: IMAGE };
    bmc.monitor = () => ({
      status: 202,
      headers: { 'Retry-After': '30', Location: t.TaskMonitor as string },
      body: bmc.tasks.get('4'),
    });
    const started = Date.now();
    const running = await rf.task(ref);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(running).toEqual({
      task: t['@odata.id'],
      state: 'Running',
      done: false,
      percentComplete: 40,
      messages: [],
      retryAfterMs: 30_000,
    });
    t.TaskState = 'Completed';
    t.PercentComplete = 100;
    let gave204 = false;
    bmc.monitor = () => (gave204 ? { status: 404 } : ((gave204 = true), { status: 204 }));
    for (let i = 0; i < 2; i++) {
      const status = await rf.task(ref);
      expect(status).toMatchObject({ state: 'Completed', done: true, percentComplete: 100 });
      expect(status.retryAfterMs).toBeUndefined();
    }
  });

  test.each([
    ['Update.1.0.TransferFailed', 'ImageFetchFailed', 'check that the BMC can reach the image URL'],
    ['Update.1.1.VerificationFailed', 'UpdateRejected', 'check that the image is a BFB for this DPU'],
    ['Base.1.8.InternalError', 'TaskException', "see the BMC's task messages"],
  ])('a task in Exception with %s is %s, naming BMC, task, image and what to do', async (id, kind, todo) => {
    const t = bmc.addTask('5', 'Exception', IMAGE, {
      Messages: [{ MessageId: id, Message: `it went wrong (${id})` }],
    });
    const err = await redfishFailure(rf.task({ task: t['@odata.id'], imageUri: IMAGE }));
    expect(err.kind).toBe(kind);
    expect(err.message).toContain(
      `BMC https://${server.address}: update task /redfish/v1/TaskService/Tasks/5 installing ${IMAGE} ended Exception`,
    );
    expect(err.message).toContain(`it went wrong (${id})`);
    expect(err.message).toContain(todo);
    expect(err.task?.state).toBe('Exception');
  });

  test('a task the BMC no longer has (monitor and task 404) is NotFound saying how to decide what happened', async () => {
    const err = await redfishFailure(
      rf.task({
        task: '/redfish/v1/TaskService/Tasks/77',
        monitor: '/redfish/v1/TaskService/Tasks/77/Monitor',
        imageUri: IMAGE,
      }),
    );
    expect(err.kind).toBe('NotFound');
    expect(err.message).toContain(
      `BMC https://${server.address} no longer has update task /redfish/v1/TaskService/Tasks/77 (${IMAGE})`,
    );
    expect(err.message).toContain('findUpdateTask with expectVersion');
  });

  test('a monitor answering 503 + Retry-After is Unavailable with retryAfterMs', async () => {
    const t = bmc.addTask('6', 'Running', IMAGE);
    bmc.monitor = () => ({ status: 503, headers: { 'Retry-After': '2' } });
    const err = await redfishFailure(rf.task({ task: t['@odata.id'], monitor: t.TaskMonitor }));
    expect(err).toMatchObject({ kind: 'Unavailable', retryAfterMs: 2000, resource: t.TaskMonitor });
  });

  test('SimpleUpdate refused because another update runs (DPF: 400 "Another update is in progress") is Unavailable', async () => {
    bmc.update = () => ({ status: 400, body: { error: { message: 'Another update is in progress' } } });
    const err = await redfishFailure(rf.simpleUpdate({ imageUri: IMAGE }));
    expect(err.kind).toBe('Unavailable');
    expect(err.message).toMatch(/is running another update .*findUpdateTask finds it/);
  });

  test('a TransferProtocol the action does not allow is refused before anything is posted', async () => {
    const err = await redfishFailure(rf.simpleUpdate({ imageUri: 'tftp://10.0.0.1/bf.bfb' }));
    expect(err.kind).toBe('UpdateRejected');
    expect(err.message).toContain('does not fetch images over TFTP (it allows HTTP, HTTPS)');
    expect(server.seen.some((r) => r.method === 'POST')).toBe(false);
  });

  test('an ImageURI the BMC cannot fetch, refused at once (Base CouldNotEstablishConnection), is ImageFetchFailed', async () => {
    bmc.update = () => ({
      status: 400,
      body: {
        error: {
          '@Message.ExtendedInfo': [
            { MessageId: 'Base.1.8.CouldNotEstablishConnection', Message: 'no route' },
          ],
        },
      },
    });
    const err = await redfishFailure(rf.simpleUpdate({ imageUri: IMAGE }));
    expect(err.kind).toBe('ImageFetchFailed');
  });

  test('findUpdateTask: the newest task whose Payload has this ImageURI, in any state; other images ignored', async () => {
    bmc.addTask('1', 'Completed', IMAGE, { StartTime: '2026-12-01T10:00:00Z' });
    bmc.addTask('2', 'Running', 'http://10.0.0.1/other.bfb', { StartTime: '2026-12-01T11:00:00Z' });
    bmc.addTask('3', 'Running', IMAGE, { StartTime: '2026-12-01T10:30:00Z' });
    bmc.addTask('9', 'Running', IMAGE, {
      StartTime: '2026-12-01T09:00:00Z',
      Payload: { JsonBody: 'not json' },
    });
    await expect(rf.findUpdateTask(IMAGE)).resolves.toEqual({
      task: '/redfish/v1/TaskService/Tasks/3',
      monitor: '/redfish/v1/TaskService/Tasks/3/Monitor',
      imageUri: IMAGE,
    });
    // startedAfter leaves out an earlier attempt's tasks
    await expect(rf.findUpdateTask(IMAGE, { startedAfter: '2026-12-01T10:45:00Z' })).resolves.toBeUndefined();
  });

  test('findUpdateTask with no task left (BMC rebooted): the firmware inventory showing the expected version means done', async () => {
    bmc.tasksCollection = false;
    await expect(rf.findUpdateTask(IMAGE)).resolves.toBeUndefined();
    await expect(rf.findUpdateTask(IMAGE, { expectVersion: 'DOCA_3.0.0' })).resolves.toBeUndefined();
    const ref = await rf.findUpdateTask(IMAGE, { expectVersion: 'DOCA_2.9.0_BSP_4.9.0_Ubuntu_22.04' });
    expect(ref).toEqual({
      task: '/redfish/v1/UpdateService/FirmwareInventory/DPU_OS',
      imageUri: IMAGE,
      installed: { version: 'DOCA_2.9.0_BSP_4.9.0_Ubuntu_22.04' },
    });
    await expect(rf.task(ref!)).resolves.toMatchObject({ state: 'Completed', done: true });
  });
});
