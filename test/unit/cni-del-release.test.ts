/**
 * CNI DEL asks the VF's lease to release. A refused release is tolerated only
 * when the lease is by then gone, releasing or another pod's (DEL succeeds
 * when what it undoes is gone, as the CNI spec asks), and the refusal is still
 * logged; a lease that still holds the VF for this container fails the DEL so
 * the runtime repeats it. The Temporal client is a fake.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { cniDel } from '../../node/hostagent/cni-del';
import { openCniState } from '../../node/hostagent/cni-state';
import { CniError } from '../../node/cni/errors';
import type { VfLeaseStatus } from '../../model/vf';
import type { CniRequest__Output } from '../../proto/load-vf';

const pci = '0000:03:00.2';
const pod = { namespace: 'default', name: 'web', uid: 'u1' };

const attached: VfLeaseStatus = {
  phase: 'Attached',
  containerId: 'c1',
  pod,
  node: 'n1',
  pciAddress: pci,
  resourceName: 'xpuflow.io/vf',
};

/** A lease that is this container's on the first look, refuses the release, and is `after` on the second look. */
function handler(after: VfLeaseStatus | undefined) {
  const lines: string[] = [];
  let looks = 0;
  const client = {
    workflow: {
      getHandle: () => ({
        describe: () => {
          looks++;
          return Promise.resolve({ status: { name: looks === 1 || after ? 'RUNNING' : 'COMPLETED' } });
        },
        query: () => Promise.resolve(looks === 1 ? attached : after),
        executeUpdate: () =>
          Promise.reject(
            new WorkflowUpdateFailedError('Workflow Update failed', new Error('the lease is busy detaching')),
          ),
      }),
    },
  } as unknown as Client;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-del-'));
  const state = openCniState({
    client,
    node: 'n1',
    sysfsRoot: stateDir,
    stateDir,
    pools: [],
    log: (l) => lines.push(l),
  });
  const req = {
    command: 'DEL',
    containerId: 'c1',
    ifname: 'net1',
    netns: '/var/run/netns/x',
    args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_UID=u1',
    configJson: JSON.stringify({ cniVersion: '1.0.0', name: 'vf', deviceID: pci }),
  } as unknown as CniRequest__Output;
  return { run: () => cniDel(state, req), lines };
}

test('a refused release while the lease still holds the VF for this container fails the DEL, naming why', async () => {
  const h = handler({
    phase: 'Attached',
    containerId: 'c1',
    pod,
    node: 'n1',
    pciAddress: pci,
    resourceName: 'r',
  });
  const err = await h.run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CniError);
  expect((err as CniError).message).toMatch(
    /lease of VF 0000:03:00.2 refused the release and still holds it for container c1: the lease is busy detaching; DEL again/,
  );
});

test('a refused release of a lease that is gone meanwhile succeeds, and the refusal is logged', async () => {
  const h = handler(undefined);
  await expect(h.run()).resolves.toBeUndefined();
  expect(h.lines).toEqual([
    expect.stringMatching(
      /container c1: the lease of VF 0000:03:00.2 refused the release \(the lease is busy detaching\); it is gone/,
    ),
  ]);
});

/** A DEL with ADD's record of its container: the release goes to the lease without a look first. */
function withRecord(update: () => Promise<unknown>) {
  const calls: string[] = [];
  const client = {
    workflow: {
      getHandle: () => ({
        describe: () => {
          calls.push('describe');
          return Promise.resolve({ status: { name: 'RUNNING' } });
        },
        query: () => {
          calls.push('query');
          return Promise.resolve({ ...attached, pod: { ...pod, name: 'other' }, containerId: 'c9' });
        },
        executeUpdate: () => {
          calls.push('release');
          return update();
        },
      }),
    },
  } as unknown as Client;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-del-'));
  const state = openCniState({ client, node: 'n1', sysfsRoot: stateDir, stateDir, pools: [], log: () => {} });
  const record = {
    pciAddress: pci,
    containerId: 'c1',
    netns: path.join(stateDir, 'no-such-netns'),
    hostIfname: 'xpfnotthere0',
    podIfname: 'net1',
    originalMac: '02:00:00:00:00:01',
    originalMtu: 1500,
    mac: '02:00:00:00:00:02',
    mtu: 1500,
    addresses: [],
  };
  const req = {
    command: 'DEL',
    containerId: 'c1',
    ifname: 'net1',
    netns: record.netns,
    args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_UID=u1',
    configJson: JSON.stringify({ cniVersion: '1.0.0', name: 'vf', deviceID: pci }),
  } as unknown as CniRequest__Output;
  return {
    calls,
    run: async () => {
      await state.records.put(record);
      await cniDel(state, req);
    },
    recordLeft: () => state.records.get(pci),
  };
}

test('with ADD’s record, DEL sends the release straight away: no describe or query first', async () => {
  const h = withRecord(() => Promise.resolve(attached));
  await h.run();
  expect(h.calls).toEqual(['release']);
  await expect(h.recordLeft()).resolves.toBeUndefined();
});

test('with ADD’s record, a lease that is gone (not found) is undone from the record', async () => {
  const h = withRecord(() => Promise.reject(new WorkflowNotFoundError('gone', 'vf-lease-n1-x', undefined)));
  await h.run();
  expect(h.calls).toEqual(['release']);
  await expect(h.recordLeft()).resolves.toBeUndefined();
});

test('with ADD’s record, a release refused because the lease is another pod’s is looked at, then undone locally', async () => {
  const h = withRecord(() =>
    Promise.reject(
      new WorkflowUpdateFailedError('Workflow Update failed', new Error('leased to pod default/other')),
    ),
  );
  await h.run();
  expect(h.calls).toEqual(['release', 'describe', 'query']);
  await expect(h.recordLeft()).resolves.toBeUndefined();
});
