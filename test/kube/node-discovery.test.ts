/**
 * Node discovery against a real kube-apiserver (RBAC on): a simulated host's
 * sysfs gains and loses cards, and the host worker's discovery loop
 * (node/discovery, as workers/host runs it) keeps its own Node's labels and
 * annotations true, with no more rights than the chart gives the host
 * worker (nodes get/patch, events create), and without touching any other
 * label or any other Node. An unknown Mellanox DPU-like function is
 * reported (annotation and a Warning Event, once) and never labelled.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Kube } from '../../platform/kube/client';
import { createHostNode, KubeApiservers } from '../../sim/kube';
import { createSysfsTree, unplugPciFunction } from '../../sim/sysfs';
import { startNodeDiscovery, type NodeDiscovery } from '../../node/discovery/discovery-loop';
import {
  DISCOVERED_DEVICES_ANNOTATION,
  UNRECOGNISED_DEVICES_ANNOTATION,
} from '../../node/discovery/node-record';
import { parseXpuId } from '../../node/discovery/pci-ids';
import type { RecordedDevice } from '../../node/discovery/node-record';
import { waitFor } from '../support/wait-for';

jest.setTimeout(120_000);

const NODE = 'disc-host-1';
const OTHER = 'disc-host-2';
const SA_NS = 'xpuflow';
const SA = 'xpuflow-host-worker';
/** The host worker's rights when discovery is on (charts/xpuflow/templates/host-discovery.yaml). */
const HOST_WORKER_DISCOVERY_RULES = [
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];

/** How long a vanished card keeps its label here (300 s in the chart). */
const REMOVE_AFTER_MS = 1500;

const apis = new KubeApiservers();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-discovery-'));
const sysfsRoot = path.join(dir, 'sys');
let admin: Kube;
let worker: Kube;
let discovery: NodeDiscovery | undefined;
const passes: Array<Error | undefined> = [];

beforeAll(async () => {
  const [host] = await apis.start(['host']);
  admin = new Kube(host.kc);
  await createHostNode(admin, NODE, '127.0.30.1', { 'kubernetes.io/hostname': NODE, rack: 'r7' });
  await createHostNode(admin, OTHER, '127.0.30.2', { rack: 'r7' });
  // The host worker's identity: a ServiceAccount bound to the chart's rules only.
  await admin.core.createNamespace({ body: { metadata: { name: SA_NS } } });
  await admin.core.createNamespacedServiceAccount({ namespace: SA_NS, body: { metadata: { name: SA } } });
  const rbac = host.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createClusterRole({ body: { metadata: { name: SA }, rules: HOST_WORKER_DISCOVERY_RULES } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: SA },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SA },
      subjects: [{ kind: 'ServiceAccount', name: SA, namespace: SA_NS }],
    },
  });
  const token = await admin.core.createNamespacedServiceAccountToken({
    namespace: SA_NS,
    name: SA,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const kc = new k8s.KubeConfig();
  const cluster = host.kc.getCurrentCluster()!;
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: SA, token: token.status!.token }],
    contexts: [{ name: SA, cluster: cluster.name, user: SA }],
    currentContext: SA,
  });
  worker = new Kube(kc);
  // The host before discovery starts: a NIC, no DPU yet.
  createSysfsTree(sysfsRoot, { pfs: [{ pciAddress: '0000:01:00.0', totalVfs: 0, device: '0x101d' }] });
});

afterAll(async () => {
  await discovery?.stop();
  await apis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(extraIds: string[] = []): void {
  discovery = startNodeDiscovery({
    kube: worker,
    node: NODE,
    sysfsRoot,
    intervalMs: 200,
    removeAfterMs: REMOVE_AFTER_MS,
    extraIds: extraIds.map(parseXpuId),
    log: () => undefined,
    onPass: (r) => passes.push(r instanceof Error ? r : undefined),
  });
}

async function node(name = NODE): Promise<k8s.V1Node> {
  return (await admin.getNode(name))!;
}

function pciLabels(n: k8s.V1Node): Record<string, string> {
  return Object.fromEntries(
    Object.entries(n.metadata?.labels ?? {}).filter(([k]) => k.startsWith('dpu.xpuflow.dev/pci-address-')),
  );
}

function record(n: k8s.V1Node): RecordedDevice[] {
  return JSON.parse(n.metadata?.annotations?.[DISCOVERED_DEVICES_ANNOTATION] ?? 'null') as RecordedDevice[];
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  await waitFor(what, probe, {
    timeoutMs: 15_000,
    everyMs: 100,
    explain: async () =>
      `node ${NODE}: ${JSON.stringify((await node()).metadata)}\nlast pass: ${String(passes.at(-1))}`,
  });
}

test('a host with no DPU gets an empty record and no label', async () => {
  start();
  await until('the empty record', async () => Array.isArray(record(await node())));
  expect(record(await node())).toEqual([]);
  expect(pciLabels(await node())).toEqual({});
});

test('a BlueField-2 plugged in appears as one label and a record with its PFs, netdevs and serial', async () => {
  createSysfsTree(sysfsRoot, {
    pfs: [
      {
        pciAddress: '0000:03:00.0',
        totalVfs: 8,
        vfOffset: 2,
        vpd: {
          productName: 'BlueField-2 E-Series DPU',
          serialNumber: 'MT2049X12345',
          partNumber: 'MBF2H516A',
        },
      },
      { pciAddress: '0000:03:00.1', totalVfs: 8, vfOffset: 9 },
    ],
  });
  await until(
    'pci-address-0 for 0000:03:00.0',
    async () => pciLabels(await node())['dpu.xpuflow.dev/pci-address-0'] === '0000-03-00.0',
  );
  const n = await node();
  expect(pciLabels(n)).toEqual({ 'dpu.xpuflow.dev/pci-address-0': '0000-03-00.0' });
  expect(n.metadata!.labels).toMatchObject({ 'kubernetes.io/hostname': NODE, rack: 'r7' });
  expect(record(n)).toEqual([
    {
      pciAddress: '0000:03:00.0',
      vendorId: '0x15b3',
      deviceId: '0xa2d6',
      model: 'BlueField-2',
      productName: 'BlueField-2 E-Series DPU',
      serialNumber: 'MT2049X12345',
      partNumber: 'MBF2H516A',
      pfs: [
        { pciAddress: '0000:03:00.0', netdevs: ['enp3s0f0'] },
        { pciAddress: '0000:03:00.1', netdevs: ['enp3s0f1'] },
      ],
    },
  ]);
  // Only its own Node.
  expect(pciLabels(await node(OTHER))).toEqual({});
  expect((await node(OTHER)).metadata?.annotations?.[DISCOVERED_DEVICES_ANNOTATION]).toBeUndefined();
});

test('a second card (BlueField-3) takes the next label; a label someone else sets meanwhile stays', async () => {
  await admin.patchNode(NODE, { metadata: { labels: { team: 'net' } } });
  createSysfsTree(sysfsRoot, { pfs: [{ pciAddress: '0000:81:00.0', totalVfs: 0, device: '0xa2dc' }] });
  await until(
    'pci-address-1 for 0000:81:00.0',
    async () => pciLabels(await node())['dpu.xpuflow.dev/pci-address-1'] === '0000-81-00.0',
  );
  const n = await node();
  expect(pciLabels(n)).toEqual({
    'dpu.xpuflow.dev/pci-address-0': '0000-03-00.0',
    'dpu.xpuflow.dev/pci-address-1': '0000-81-00.0',
  });
  expect(n.metadata!.labels).toMatchObject({ team: 'net', rack: 'r7' });
  expect(record(n).map((d) => `${d.pciAddress} ${d.model}`)).toEqual([
    '0000:03:00.0 BlueField-2',
    '0000:81:00.0 BlueField-3',
  ]);
});

test('an unknown Mellanox DPU-like card is reported once (annotation and a Warning Event) and not labelled', async () => {
  createSysfsTree(sysfsRoot, { pfs: [{ pciAddress: '0000:c1:00.0', totalVfs: 0, device: '0xa2df' }] });
  await until('the unrecognised annotation', async () =>
    Boolean((await node()).metadata?.annotations?.[UNRECOGNISED_DEVICES_ANNOTATION]),
  );
  const n = await node();
  expect(JSON.parse(n.metadata!.annotations![UNRECOGNISED_DEVICES_ANNOTATION])).toEqual([
    { pciAddress: '0000:c1:00.0', vendorId: '0x15b3', deviceId: '0xa2df' },
  ]);
  expect(Object.values(pciLabels(n))).not.toContain('0000-c1-00.0');
  // Several passes later, still one Event.
  const seen = passes.length;
  await until('three more passes', async () => passes.length >= seen + 3);
  const events = await admin.core.listNamespacedEvent({
    namespace: 'default',
    fieldSelector: `involvedObject.kind=Node,involvedObject.name=${NODE}`,
  });
  const warnings = events.items.filter((e) => e.reason === 'UnrecognisedDevice');
  expect(warnings).toHaveLength(1);
  expect(warnings[0].type).toBe('Warning');
  expect(warnings[0].message).toContain(
    'PCI function 0000:c1:00.0 (0x15b3:0xa2df) looks like a DPU but is in no xPU ID list, so it is not labelled',
  );
  expect(warnings[0].message).toContain('--xpu-id 0x15b3:0xa2df=MODEL');
  expect(passes.slice(seen).filter((p) => p !== undefined)).toEqual([]);
});

test('a card pulled out keeps its label while it may be resetting, then loses it and its record; the others keep their numbers', async () => {
  unplugPciFunction(sysfsRoot, '0000:03:00.0');
  unplugPciFunction(sysfsRoot, '0000:03:00.1');
  const gone = Date.now();
  await until('0000:03:00.0 recorded missing', async () =>
    Boolean(record(await node()).find((d) => d.pciAddress === '0000:03:00.0' && d.missingSince)),
  );
  // Within the grace: still labelled, so its DPUSet keeps the DPU.
  const during = await node();
  if (Date.now() - gone < REMOVE_AFTER_MS) {
    expect(pciLabels(during)['dpu.xpuflow.dev/pci-address-0']).toBe('0000-03-00.0');
  }
  await until(
    'pci-address-0 gone',
    async () => !('dpu.xpuflow.dev/pci-address-0' in pciLabels(await node())),
  );
  expect(Date.now() - gone).toBeGreaterThanOrEqual(REMOVE_AFTER_MS - 250);
  const n = await node();
  expect(pciLabels(n)).toEqual({ 'dpu.xpuflow.dev/pci-address-1': '0000-81-00.0' });
  expect(record(n).map((d) => d.pciAddress)).toEqual(['0000:81:00.0']);
  expect(n.metadata!.labels).toMatchObject({ team: 'net', rack: 'r7', 'kubernetes.io/hostname': NODE });
});

test('a card back within the grace keeps its label number and loses its missingSince', async () => {
  unplugPciFunction(sysfsRoot, '0000:81:00.0');
  await until('0000:81:00.0 recorded missing', async () =>
    Boolean(record(await node()).find((d) => d.pciAddress === '0000:81:00.0' && d.missingSince)),
  );
  createSysfsTree(sysfsRoot, { pfs: [{ pciAddress: '0000:81:00.0', totalVfs: 0, device: '0xa2dc' }] });
  await until('0000:81:00.0 present again', async () =>
    Boolean(record(await node()).find((d) => d.pciAddress === '0000:81:00.0' && !d.missingSince)),
  );
  expect(pciLabels(await node())).toEqual({ 'dpu.xpuflow.dev/pci-address-1': '0000-81-00.0' });
});

test('configured as an xPU ID, the unknown card is labelled and the report is withdrawn', async () => {
  await discovery!.stop();
  start(['0x15b3:0xa2df=BlueField-4']);
  await until(
    'pci-address-0 for 0000:c1:00.0',
    async () => pciLabels(await node())['dpu.xpuflow.dev/pci-address-0'] === '0000-c1-00.0',
  );
  const n = await node();
  expect(pciLabels(n)).toEqual({
    'dpu.xpuflow.dev/pci-address-0': '0000-c1-00.0',
    'dpu.xpuflow.dev/pci-address-1': '0000-81-00.0',
  });
  expect(n.metadata!.annotations).not.toHaveProperty(UNRECOGNISED_DEVICES_ANNOTATION);
  expect(record(n).find((d) => d.pciAddress === '0000:c1:00.0')?.model).toBe('BlueField-4');
});

test("the host worker's rights reach no further: it cannot list nodes or delete one", async () => {
  await expect(worker.core.listNode()).rejects.toThrow(/forbidden|403/i);
  await expect(worker.core.deleteNode({ name: OTHER })).rejects.toThrow(/forbidden|403/i);
});

test('a Node that does not exist is named in the error, and the loop keeps going', async () => {
  await discovery!.stop();
  const errors: Error[] = [];
  discovery = startNodeDiscovery({
    kube: worker,
    node: 'no-such-host',
    sysfsRoot,
    intervalMs: 100,
    removeAfterMs: REMOVE_AFTER_MS,
    log: () => undefined,
    onPass: (r) => {
      if (r instanceof Error) errors.push(r);
    },
  });
  await waitFor('two failed passes', () => errors.length >= 2, { timeoutMs: 10_000 });
  expect(errors[0].message).toBe(
    "node no-such-host does not exist in the cluster: --node must be this host's Kubernetes node name",
  );
});
