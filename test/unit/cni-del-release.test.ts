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
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
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

const stateDirs: string[] = [];
afterAll(() => stateDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

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
  stateDirs.push(stateDir);
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
