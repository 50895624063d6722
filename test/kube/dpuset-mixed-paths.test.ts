/**
 * Issue 14: two DPUs provisioned through their BMCs (redfish) beside two
 * through DMS (gNOI), on the real API server, Temporal dev server and worker
 * processes of the kube harness. A DPUSet makes its DPUs either from the
 * nodes' PCI reports or from DPUDevices (dpuDeviceSelector), with one
 * install path in its template, so the rollout is two DPUSets created
 * together: `via-dms` over two labelled hosts, `via-bmc` over the DPUDevices
 * a DPUDiscovery found on two BlueField BMC simulators (sim/bmc) on loopback
 * addresses, placed on their hosts by serial: each host's sysfs holds its
 * card's serial in PCI VPD, which the host worker's node discovery records
 * on its Node, and the BMC reports the same serial. Each DPU of `via-bmc` carries the BMC block of its device (the
 * address and port the scan recorded, the certificate SHA-256 it saw as the
 * pin, the discovery's credentials Secret). Every simulator flashes once.
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

test('two DPUs through the BMC path beside two through DMS, one rollout of two DPUSets: all Ready, one update per simulator', async () => {
  await Promise.all([
    h.kube.create('DPUSet', NS, {
      metadata: { name: 'via-dms' },
      spec: {
        nodeSelector: { matchLabels: { [PATH_LABEL]: 'gnoi' } },
        dpuTemplate: { spec: { bfb: 'bf-2-9-1' } },
      },
    }),
    h.kube.create('DPUSet', NS, {
      metadata: { name: 'via-bmc' },
      spec: {
        dpuDeviceSelector: { matchLabels: { [PATH_LABEL]: 'redfish' } },
        dpuTemplate: { spec: { bfb: 'bf-2-9-1', installPath: 'redfish' } },
      },
    }),
  ]);
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
    expect(d.spec.installPath).toBeUndefined();
    expect(d.spec.bmc).toBeUndefined();
    expect(dmsFleet.dpus[i].dms.counters.flashes).toBe(1);
  }
  for (const name of ['via-dms', 'via-bmc'])
    await h.waitFor(`${name} counts 2 ready`, async () => {
      const s = await h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name });
      return s?.status?.ready === 2 && s.status.dpus === 2;
    });
  expect(sims.map((s) => s.updateCount())).toEqual([1, 1]);
});

test('the API server refuses a DPUSet whose template says installPath redfish without a dpuDeviceSelector, naming the field', async () => {
  let message = '';
  try {
    await h.kube.create('DPUSet', NS, {
      metadata: { name: 'no-devices' },
      spec: { dpuTemplate: { spec: { bfb: 'bf-2-9-1', installPath: 'redfish' } } },
    });
  } catch (err) {
    message = apiMessage(err);
  }
  expect(message).toMatch(/spec\.dpuTemplate\.spec\.installPath: .*needs spec\.dpuDeviceSelector/);
  expect(await h.kube.get('DPUSet', { namespace: NS, name: 'no-devices' })).toBeUndefined();
});
