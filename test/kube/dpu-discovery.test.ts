/**
 * BMC discovery against the real kube-apiserver and Temporal: a DPUDiscovery
 * over 127.0.0.2–127.0.0.40 with simulated BlueField BMCs (sim/bmc) on some
 * of those addresses (the rest empty) becomes a Temporal Schedule whose
 * runs create DPUDevices and DPUNodes, update a device whose DPU OS version
 * changed, and mark a device whose BMC stopped unreachable (kept). A DPUSet
 * selects the devices by label.
 *
 * The BMCs say nothing of their hosts (as a real BlueField BMC): each DPU is
 * placed by its serial, which the hosts' node discovery (node/discovery,
 * syncNodeDevices, the host worker's own pass) reads from the card's PCI VPD
 * in a simulated sysfs and records on the host's Node. A serial no host
 * reports gives a DPUDevice without a DPUNode until its host's record
 * appears; a serial two hosts report is placed on neither; a BMC with an
 * empty serial gives no DPUDevice; each is named in the status. Bad ranges
 * are refused by the API server, naming the field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { startBmcSim, type BmcSim } from '../../sim/bmc';
import { freePort } from '../../sim/free-port';
import { createHostNode } from '../../sim/kube';
import { createSysfsTree } from '../../sim/sysfs';
import { syncNodeDevices } from '../../node/discovery/sync-node';
import { BLUEFIELD_IDS } from '../../node/discovery/pci-ids';
import { apiMessage } from '../../platform/kube/client';
import type { DpuResource } from '../../model/resources/common';
import {
  DPU_DISCOVERY_FINALIZER,
  type DpuDeviceResource,
  type DpuDiscoveryResource,
  type DpuNodeResource,
} from '../../model/resources/dpu-discovery';
import { dpuObjectName } from '../../model/resources/pci-labels';
import { dpuDiscoveryScheduleId } from '../../model/workflow-ids';
import { KubeHarness, NS } from './kube-harness';

jest.setTimeout(240_000);

const h = new KubeHarness();
let port: number;
const sims = new Map<string, BmcSim>();

/**
 * Four BMCs among the 39 scanned addresses whose serials hosts report: two
 * DPUs in host-a, one each in host-b and host-c (where each sits is the
 * hosts' side, below; the BMC knows only its serial).
 */
const BMCS = [
  { host: '127.0.0.3', serial: 'MT2242X00003', pciAddress: '0000:3b:00.0', hostName: 'host-a' },
  { host: '127.0.0.9', serial: 'MT2242X00009', pciAddress: '0000:af:00.0', hostName: 'host-a' },
  { host: '127.0.0.17', serial: 'MT2242X00017', pciAddress: '0000:3b:00.0', hostName: 'host-b' },
  { host: '127.0.0.33', serial: 'MT2242X00033', pciAddress: '0000:3b:00.0', hostName: 'host-c' },
];
/** A DPU whose host has no record yet (host-f appears later), one two hosts claim, one BMC with an empty serial. */
const LATE = { host: '127.0.0.21', serial: 'MT2242X00021', pciAddress: '0000:5e:00.0', hostName: 'host-f' };
const CLAIMED = { host: '127.0.0.25', serial: 'MT2242X00025' };
const NO_SERIAL = { host: '127.0.0.29', serial: '' };

const sysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dpu-discovery-'));

/**
 * A host as production sees it: a Node, a sysfs tree with its cards (serial
 * in each card's VPD), and one pass of the host worker's node discovery,
 * which records them on the Node.
 */
async function hostWithCards(
  node: string,
  cards: Array<{ pciAddress: string; serial: string }>,
): Promise<void> {
  const sysfsRoot = path.join(sysDir, node);
  createSysfsTree(sysfsRoot, {
    pfs: cards.map((c) => ({
      pciAddress: c.pciAddress,
      totalVfs: 0,
      device: '0xa2dc',
      vpd: { productName: 'BlueField-3 B3220 P-Series DPU', serialNumber: c.serial },
    })),
  });
  await createHostNode(h.kube, node, '127.0.0.1');
  const pass = await syncNodeDevices({
    kube: h.kube,
    node,
    sysfsRoot,
    ids: BLUEFIELD_IDS,
    log: () => undefined,
  });
  expect(pass.scan.devices.map((d) => d.serialNumber)).toEqual(cards.map((c) => c.serial));
}

async function startSim(b: { host: string; serial: string }, bfbVersion: string): Promise<void> {
  sims.set(
    b.host,
    await startBmcSim({
      host: b.host,
      serial: b.serial,
      port,
      bfbVersion,
      username: 'root',
      password: 'bmc-secret',
    }),
  );
}

const device = (serial: string) =>
  h.kube.get<DpuDeviceResource>('DPUDevice', { namespace: NS, name: serial.toLowerCase() });
const reachable = (d: DpuDeviceResource | undefined) =>
  d?.status?.conditions?.find((c) => c.type === 'Reachable');

beforeAll(async () => {
  port = await freePort();
  await Promise.all([h.start(), ...[...BMCS, LATE, CLAIMED, NO_SERIAL].map((b) => startSim(b, '4.9.0-100'))]);
  for (const name of ['host-a', 'host-b', 'host-c'])
    await hostWithCards(
      name,
      BMCS.filter((b) => b.hostName === name).map((b) => ({ pciAddress: b.pciAddress, serial: b.serial })),
    );
  // One serial in two hosts' VPD: a mistake (or a swapped record) no match may guess through.
  await hostWithCards('host-d', [{ pciAddress: '0000:3b:00.0', serial: CLAIMED.serial }]);
  await hostWithCards('host-e', [{ pciAddress: '0000:af:00.0', serial: CLAIMED.serial }]);
  await h.kube.core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'bmc-credentials' }, stringData: { username: 'root', password: 'bmc-secret' } },
  });
  await h.startControllers();
});
afterAll(async () => {
  await Promise.all([...sims.values()].map((s) => s.stop()));
  await h.dispose();
  fs.rmSync(sysDir, { recursive: true, force: true });
});

test('a scheduled scan creates DPUDevices and DPUNodes, updates a changed version, marks a stopped BMC unreachable', async () => {
  await h.kube.create('DPUDiscovery', NS, {
    metadata: { name: 'rack1' },
    spec: {
      ipRangeSpec: { ipRange: { startIP: '127.0.0.2', endIP: '127.0.0.40', port } },
      scanInterval: '2s',
      workers: 8,
      bmcCredentialsSecret: { name: 'bmc-credentials' },
      dpuDeviceLabels: { 'xpuflow.dev/rack': 'r1' },
    },
  });

  // Created: one DPUDevice per BMC, named for its serial, with what the BMC reported.
  for (const b of BMCS)
    await h.waitFor(
      `DPUDevice for ${b.serial}`,
      async () => reachable(await device(b.serial))?.status === 'True',
    );
  const first = (await device(BMCS[0].serial))!;
  expect(first.spec).toMatchObject({ serialNumber: BMCS[0].serial, bmcIp: BMCS[0].host, bmcPort: port });
  expect(first.metadata.labels).toMatchObject({
    'xpuflow.dev/rack': 'r1',
    'provisioning.xpuflow.dev/dpudiscovery': 'rack1',
    'provisioning.xpuflow.dev/dpunode': 'host-a',
  });
  expect(first.status).toMatchObject({
    serialNumber: BMCS[0].serial,
    pciAddress: BMCS[0].pciAddress,
    dpuNode: 'host-a',
    bmcCertSha256: sims.get(BMCS[0].host)!.certSha256,
  });
  expect(Object.values(first.status!.firmwareVersions!)).toContain('4.9.0-100');
  expect(first.status!.conditions!.find((c) => c.type === 'Discovered')?.status).toBe('True');
  expect(first.status!.conditions!.find((c) => c.type === 'HostFound')).toMatchObject({
    status: 'True',
    reason: 'SerialMatched',
  });
  for (const d of [LATE, CLAIMED])
    await h.waitFor(
      `DPUDevice for ${d.serial}`,
      async () => reachable(await device(d.serial))?.status === 'True',
    );
  // No DPUDevice for the BMC with an empty serial.
  expect((await h.kube.list<DpuDeviceResource>('DPUDevice', NS)).length).toBe(6);

  // DPUNodes: a host and its DPUs (written after the DPUDevices, in the same scan).
  const hostA = await h.waitFor('DPUNode host-a with both its DPUs', async () => {
    const n = await h.kube.get<DpuNodeResource>('DPUNode', { namespace: NS, name: 'host-a' });
    return n?.spec.dpus?.length === 2 && n.status?.kubeNodeRef ? n : undefined;
  });
  expect(hostA.spec.dpus!.map((d) => d.name)).toEqual(['mt2242x00003', 'mt2242x00009']);
  expect(hostA.status).toMatchObject({ dpuInstallInterface: 'redfish', kubeNodeRef: 'host-a' });
  await h.waitFor('DPUNode host-c', () => h.kube.get('DPUNode', { namespace: NS, name: 'host-c' }));

  // The schedule: made by the controller, its runs are dpuDiscovery workflows, linked from the status.
  const disc = await h.waitFor('discovery status', async () => {
    const d = await h.kube.get<DpuDiscoveryResource>('DPUDiscovery', { namespace: NS, name: 'rack1' });
    return d?.status?.foundDPUs === 6 && d.status.scheduleId ? d : undefined;
  });
  expect(disc.metadata.finalizers).toContain(DPU_DISCOVERY_FINALIZER);
  expect(disc.status!.addressesScanned).toBe(39);
  expect(disc.status!.scheduleId).toBe(dpuDiscoveryScheduleId({ ...disc.metadata, namespace: NS }));
  expect(disc.status!.scheduleUrl).toContain(`/schedules/${disc.status!.scheduleId}`);
  const schedule = await h.client.schedule.getHandle(disc.status!.scheduleId!).describe();
  expect(schedule.action).toMatchObject({ workflowType: 'dpuDiscovery' });
  expect(schedule.spec.intervals?.[0]?.every).toBe(2000);
  expect((await h.workflowIds('dpuDiscovery')).length).toBeGreaterThan(0);

  // Updated: the DPU behind 127.0.0.17 now runs another DPU OS (its BMC restarted with it).
  const moved = BMCS[2];
  await sims.get(moved.host)!.stop();
  await startSim(moved, '4.10.0-200');
  await h.waitFor('the new DPU OS version on the DPUDevice', async () =>
    Object.values((await device(moved.serial))?.status?.firmwareVersions ?? {}).includes('4.10.0-200'),
  );
  expect(reachable(await device(moved.serial))?.status).toBe('True');

  // A BMC gone: its DPUDevice is kept, Reachable False, with an Event.
  const gone = BMCS[3];
  await sims.get(gone.host)!.stop();
  sims.delete(gone.host);
  await h.waitFor('the stopped BMC marked unreachable', async () => {
    const r = reachable(await device(gone.serial));
    return r?.status === 'False' && r.reason === 'Unreachable';
  });
  expect(reachable(await device(gone.serial))!.message).toContain(`BMC ${gone.host}:${port} did not answer`);
  expect((await h.events(gone.serial.toLowerCase())).map((e) => e.reason)).toContain('Unreachable');
  await h.waitFor('unreachableDPUs 1 on the discovery', async () => {
    const d = await h.kube.get<DpuDiscoveryResource>('DPUDiscovery', { namespace: NS, name: 'rack1' });
    return d?.status?.unreachableDPUs === 1 && d.status.foundDPUs === 5;
  });
  expect(reachable(await device(BMCS[0].serial))?.status).toBe('True');
  const last = (await h.kube.get<DpuDiscoveryResource>('DPUDiscovery', { namespace: NS, name: 'rack1' }))!;
  h.captureHistory(last.status!.lastScanWorkflowId!, 'dpu-discovery-unreachable.json');
});

test('a serial no host reports waits without a DPUNode until its host records it; one two hosts report, and an empty serial, are named', async () => {
  const hostFound = async (serial: string) =>
    (await device(serial))?.status?.conditions?.find((c) => c.type === 'HostFound');
  // No host reports MT2242X00021 yet: a DPUDevice with its BMC data, no host, and why.
  const late = (await device(LATE.serial))!;
  expect(late.status).toMatchObject({ serialNumber: LATE.serial, bmcIp: LATE.host, bmcPort: port });
  expect(late.status?.dpuNode).toBeUndefined();
  expect(late.status?.pciAddress).toBeUndefined();
  expect(late.metadata.labels?.['provisioning.xpuflow.dev/dpunode']).toBeUndefined();
  const none = (await hostFound(LATE.serial))!;
  expect(none).toMatchObject({ status: 'False', reason: 'NoHostReportsSerial' });
  expect(none.message).toContain(`record holds serial ${LATE.serial}`);
  expect((await h.events(LATE.serial.toLowerCase())).map((e) => e.reason)).toContain('NoHostReportsSerial');

  // Two hosts report MT2242X00025: placed on neither, both named, no DPUNode made for either.
  const claimed = (await hostFound(CLAIMED.serial))!;
  expect(claimed).toMatchObject({ status: 'False', reason: 'SerialOnSeveralHosts' });
  expect(claimed.message).toContain('host-d at 0000:3b:00.0, host-e at 0000:af:00.0');
  expect((await device(CLAIMED.serial))!.status?.dpuNode).toBeUndefined();
  const dpuNodes = (await h.kube.list<DpuNodeResource>('DPUNode', NS)).map((n) => n.metadata.name).sort();
  expect(dpuNodes).toEqual(['host-a', 'host-b', 'host-c']);

  // The discovery names all three: the two serials and the BMC whose serial is empty.
  const matched = await h.waitFor('HostsMatched False on the discovery', async () => {
    const d = await h.kube.get<DpuDiscoveryResource>('DPUDiscovery', { namespace: NS, name: 'rack1' });
    return d?.status?.conditions?.find((c) => c.type === 'HostsMatched' && c.status === 'False');
  });
  expect(matched.message).toContain(`serial ${LATE.serial}`);
  expect(matched.message).toContain(`serial ${CLAIMED.serial} is reported by several hosts`);
  expect(matched.message).toContain(`${NO_SERIAL.host}:${port}: BlueField BMC with an empty serial number`);
  expect(matched.message).toContain('SerialNumber ""');
  expect((await h.events('rack1')).map((e) => e.reason)).toContain('HostsNotMatched');

  // From here the schedule scans hourly: what places the late DPU is its host's record appearing
  // (the controller's Node watch scans at once), not the next interval.
  const rack1 = { namespace: NS, name: 'rack1' };
  await h.kube.patch('DPUDiscovery', rack1, { spec: { scanInterval: '1h' } });
  const hourly = (await h.kube.get<DpuDiscoveryResource>('DPUDiscovery', rack1))!.metadata.generation;
  await h.waitFor('a scan of the hourly generation', async () => {
    const d = await h.kube.get<DpuDiscoveryResource>('DPUDiscovery', rack1);
    return d?.status?.observedGeneration === hourly;
  });
  const before = new Set(await h.workflowRuns('dpuDiscovery'));

  // host-f's node discovery records the card: a scan places the DPU and makes its DPUNode.
  await hostWithCards(LATE.hostName, [{ pciAddress: LATE.pciAddress, serial: LATE.serial }]);
  const joined = await h.waitFor('the late DPU placed on host-f', async () => {
    const d = await device(LATE.serial);
    return d?.status?.dpuNode === LATE.hostName ? d : undefined;
  });
  expect(joined.status?.pciAddress).toBe(LATE.pciAddress);
  expect(joined.metadata.labels?.['provisioning.xpuflow.dev/dpunode']).toBe(LATE.hostName);
  expect(await hostFound(LATE.serial)).toMatchObject({ status: 'True', reason: 'SerialMatched' });
  const hostF = await h.waitFor('DPUNode host-f', async () => {
    const n = await h.kube.get<DpuNodeResource>('DPUNode', { namespace: NS, name: LATE.hostName });
    return n?.status?.kubeNodeRef ? n : undefined;
  });
  expect(hostF.spec.dpus).toEqual([{ name: LATE.serial.toLowerCase() }]);
  expect(hostF.status).toMatchObject({ dpuInstallInterface: 'redfish', kubeNodeRef: LATE.hostName });
  // Started by host-f's record: the hourly interval started none since. Waited for, not read once:
  // the scan that placed the DPU may be one already running when the record appeared, with the
  // triggered one buffered behind it (overlap BUFFER_ONE), and the dev server lists runs a moment late.
  // Told by run ID: a scan triggered within the second of the one before has its workflow ID.
  await h.waitFor("a dpuDiscovery run started by host-f's record", async () => {
    const started = (await h.workflowRuns('dpuDiscovery')).filter((run) => !before.has(run));
    return started.length > 0 ? started : undefined;
  });
});

test("a DPUSet with a dpuDeviceSelector makes one DPU per selected DPUDevice, on its DPUNode's host", async () => {
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  await h.kube.create('DPUSet', NS, {
    metadata: { name: 'by-device' },
    spec: {
      dpuDeviceSelector: { matchLabels: { 'xpuflow.dev/rack': 'r1' } },
      dpuTemplate: { spec: { bfb: 'bf-2-9-1' } },
      strategy: { type: 'OnDelete' },
    },
  });
  // The placed ones (the unreachable one stays wanted); the one two hosts claim is not.
  const want = [...BMCS, LATE].map((b) => dpuObjectName(b.hostName, b.pciAddress)).sort();
  const dpus = await h.waitFor('one DPU per DPUDevice', async () => {
    const l = await h.kube.list<DpuResource>('DPU', NS);
    return l.length === want.length ? l : undefined;
  });
  expect(dpus.map((d) => d.metadata.name).sort()).toEqual(want);
  const a = dpus.find((d) => d.metadata.name === dpuObjectName('host-a', '0000:af:00.0'))!;
  expect(a.spec).toMatchObject({ nodeName: 'host-a', pciAddress: '0000:af:00.0', bfb: 'bf-2-9-1' });
  await h.kube.delete('DPUSet', { namespace: NS, name: 'by-device' });
});

test('bad ranges are refused by the API server, naming the field', async () => {
  const refused = async (ipRangeSpec: object, name: string): Promise<string> => {
    try {
      await h.kube.create('DPUDiscovery', NS, {
        metadata: { name },
        spec: { ipRangeSpec, bmcCredentialsSecret: { name: 'bmc-credentials' } },
      });
    } catch (err) {
      return apiMessage(err);
    }
    throw new Error(`DPUDiscovery ${name} with ${JSON.stringify(ipRangeSpec)} was accepted`);
  };
  expect(await refused({ ipRange: { startIP: '10.0.0.0', endIP: '10.0.16.0' } }, 'too-large')).toMatch(
    /spec\.ipRangeSpec\.ipRange\.endIP: .*10\.0\.0\.0-10\.0\.16\.0 holds more than the 4096/,
  );
  expect(await refused({ cidr: '10.0.0.0/16' }, 'too-large-cidr')).toMatch(
    /spec\.ipRangeSpec\.cidr: .*10\.0\.0\.0\/16 holds more than the 4096/,
  );
  expect(await refused({ ipRange: { startIP: 'bmc-1', endIP: '10.0.0.9' } }, 'not-an-address')).toMatch(
    /spec\.ipRangeSpec\.ipRange\.startIP: .*bmc-1 is not an IPv4 address/,
  );
  expect(await refused({ cidr: 'rack-7' }, 'not-a-cidr')).toMatch(
    /spec\.ipRangeSpec\.cidr: .*rack-7 is not an IPv4 CIDR/,
  );
  expect(await refused({ ipRange: { startIP: '10.0.0.9', endIP: '10.0.0.1' } }, 'reversed')).toMatch(
    /spec\.ipRangeSpec\.ipRange\.endIP: .*is before startIP/,
  );
  expect(
    await refused({ ipRange: { startIP: '10.0.0.1', endIP: '10.0.0.9' }, cidr: '10.0.0.0/24' }, 'both'),
  ).toMatch(/spec\.ipRangeSpec: .*exactly one of ipRange/);
  expect(await h.kube.list('DPUDiscovery', NS)).toHaveLength(1);
});

test('deleting the DPUDiscovery deletes its schedule and keeps the DPUDevices', async () => {
  const disc = (await h.kube.get<DpuDiscoveryResource>('DPUDiscovery', { namespace: NS, name: 'rack1' }))!;
  await h.kube.delete('DPUDiscovery', { namespace: NS, name: 'rack1' });
  await h.waitFor(
    'the DPUDiscovery gone',
    async () => !(await h.kube.get('DPUDiscovery', { namespace: NS, name: 'rack1' })),
  );
  await expect(h.client.schedule.getHandle(disc.status!.scheduleId!).describe()).rejects.toBeInstanceOf(
    ScheduleNotFoundError,
  );
  expect(await h.kube.list<DpuDeviceResource>('DPUDevice', NS)).toHaveLength(6);
});
