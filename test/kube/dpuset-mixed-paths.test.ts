/**
 * Issue 14: two DPUs provisioned through their BMCs (redfish) beside two
 * through DMS (gNOI) in one DPUSet rollout, on the real API server, Temporal
 * dev server and worker processes of the kube harness. The set's template
 * says `installPath: auto`: the DPUs its nodeSelector's two labelled hosts
 * report take gnoi, and the DPUDevices its dpuDeviceSelector picks take
 * redfish: a DPUDiscovery found them on two BlueField BMC simulators
 * (sim/bmc) on loopback addresses and placed them on their hosts by serial:
 * each host's sysfs holds its card's serial in PCI VPD, which the host
 * worker's node discovery records on its Node, and the BMC reports the same
 * serial. Each DPU names its concrete path; each redfish one carries the BMC
 * block of its device (the address and port the scan recorded, the
 * certificate SHA-256 it saw as the pin, the discovery's credentials Secret).
 * Every simulator flashes once.
 */
import { startBmcSim, type BmcSim } from '../../sim/bmc';
import { freePort } from '../../sim/free-port';
import type { SimFleet } from '../../sim/fleet';
import { apiMessage } from '../../platform/kube/client';
import type { DpuSetResource } from '../../model/resources/common';
import { dpuObjectName } from '../../model/resources/pci-labels';
import { KubeHarness, NS } from './kube-harness';

jest.setTimeout(120_000);
const h = new KubeHarness();
const sims: BmcSim[] = [];
let dmsFleet: SimFleet;
let bmcFleet: SimFleet;
const PATH_LABEL = 'xpuflow.dev/install-path';
const BMC_HOSTS = ['127.0.0.61', '127.0.0.62'];

beforeAll(async () => {
  await h.start();
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  await h.startControllers();
  dmsFleet = await h.hosts('mxd', 2, { [PATH_LABEL]: 'gnoi' });
  bmcFleet = await h.hosts('mxb', 2, { [PATH_LABEL]: 'redfish' }, { vpdSerial: (i) => `MT2242X0006${i}` });
  const port = await freePort();
  for (const [i, host] of BMC_HOSTS.entries()) {
    sims.push(
      await startBmcSim({
        host,
        port,
        serial: `MT2242X0006${i}`,
        username: 'root',
        password: 'bmc-secret',
        flashSeconds: 1,
        bootSeconds: 0.3,
      }),
    );
  }
  await h.kube.core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'bmc-credentials' }, stringData: { username: 'root', password: 'bmc-secret' } },
  });
  await h.kube.create('DPUDiscovery', NS, {
    metadata: { name: 'mixed' },
    spec: {
      ipRangeSpec: { ipRange: { startIP: '127.0.0.60', endIP: '127.0.0.63', port } },
      scanInterval: '2s',
      bmcCredentialsSecret: { name: 'bmc-credentials' },
      dpuDeviceLabels: { [PATH_LABEL]: 'redfish' },
    },
  });
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await h.dispose();
});

test('two DPUs through the BMC path beside two through DMS, one DPUSet with installPath auto: all Ready, one update per simulator', async () => {
  await h.kube.create('DPUSet', NS, {
    metadata: { name: 'mixed' },
    spec: {
      nodeSelector: { matchLabels: { [PATH_LABEL]: 'gnoi' } },
      dpuDeviceSelector: { matchLabels: { [PATH_LABEL]: 'redfish' } },
      dpuTemplate: { spec: { bfb: 'bf-2-9-1', installPath: 'auto' } },
    },
  });
  const byDms = dmsFleet.dpus.map((d) => dpuObjectName(d.host.node, d.spec.pciAddress));
  const byBmc = bmcFleet.dpus.map((d) => dpuObjectName(d.host.node, d.spec.pciAddress));
  for (const n of [...byDms, ...byBmc])
    await h.waitFor(`${n} Ready`, async () => {
      const d = await h.dpu(n);
      if (d?.status?.phase === 'Error') throw new Error(`${n} went to Error: ${d.status.message}`);
      return d?.status?.phase === 'Ready';
    });

  for (const [i, n] of byBmc.entries()) {
    const d = (await h.dpu(n))!;
    expect(d.spec).toMatchObject({
      installPath: 'redfish',
      nodeName: bmcFleet.hosts[i].node,
      bmc: {
        address: `${sims[i].host}:${sims[i].port}`,
        certSha256: sims[i].certSha256,
        credentialsSecret: { name: 'bmc-credentials' },
      },
    });
    expect(sims[i].updateCount()).toBe(1);
    expect(sims[i].installedVersion()).toBe('bf-bundle-2.9.1');
    // Its host's DMS was never asked.
    expect(bmcFleet.dpus[i].dms.counters.flashes).toBe(0);
  }
  for (const [i, n] of byDms.entries()) {
    const d = (await h.dpu(n))!;
    expect(d.spec.installPath).toBe('gnoi');
    expect(d.spec.bmc).toBeUndefined();
    expect(dmsFleet.dpus[i].dms.counters.flashes).toBe(1);
  }
  await h.waitFor('mixed counts 4 ready, all updated', async () => {
    const s = await h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name: 'mixed' });
    return s?.status?.ready === 4 && s.status.dpus === 4 && s.status.updated === 4;
  });
  // Each DPU's concrete path is no drift from the template's auto: no rollout was started.
  const set = await h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name: 'mixed' });
  expect(set?.status?.rolloutWorkflowId).toBeUndefined();
  expect(sims.map((s) => s.updateCount())).toEqual([1, 1]);
  expect(dmsFleet.dpus.map((d) => d.dms.counters.flashes)).toEqual([1, 1]);
});

test.each(['redfish', 'auto'])(
  'the API server refuses a DPUSet whose template says installPath %s without a dpuDeviceSelector, naming the field',
  async (path) => {
    const name = `no-devices-${path}`;
    let message = '';
    try {
      await h.kube.create('DPUSet', NS, {
        metadata: { name },
        spec: {
          nodeSelector: { matchLabels: { [PATH_LABEL]: 'gnoi' } },
          dpuTemplate: { spec: { bfb: 'bf-2-9-1', installPath: path } },
        },
      });
    } catch (err) {
      message = apiMessage(err);
    }
    expect(message).toMatch(
      new RegExp(
        `spec\\.dpuTemplate\\.spec\\.installPath: .*installPath ${path} needs spec\\.dpuDeviceSelector`,
      ),
    );
    expect(await h.kube.get('DPUSet', { namespace: NS, name })).toBeUndefined();
  },
);

test('the API server refuses installPath auto on a DPU and on a DPUFlavor: only a set chooses per DPU', async () => {
  const messages: string[] = [];
  for (const [kind, spec] of [
    ['DPU', { nodeName: 'mxd-0', pciAddress: '0000:3b:00.0', bfb: 'bf-2-9-1', installPath: 'auto' }],
    ['DPUFlavor', { installPath: 'auto' }],
  ] as const) {
    try {
      await h.kube.create(kind, NS, { metadata: { name: 'auto-path' }, spec });
      messages.push(`${kind} accepted`);
    } catch (err) {
      messages.push(apiMessage(err));
    }
  }
  expect(messages).toEqual([
    expect.stringMatching(
      /spec\.installPath: Unsupported value: "auto": supported values: "gnoi", "redfish"/,
    ),
    expect.stringMatching(
      /spec\.installPath: Unsupported value: "auto": supported values: "gnoi", "redfish"/,
    ),
  ]);
});
