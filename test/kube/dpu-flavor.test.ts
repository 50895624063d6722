/**
 * README: "A DPUFlavor is applied in full". Against the real kube-apiserver:
 * a DPUFlavor field of the wrong type, a malformed firmware (nvconfig)
 * parameter or one mlxconfig does not know is refused by the API server,
 * naming the field (and the parameter). End to end: a
 * DPU whose flavor uses every field is provisioned, and the bf.cfg the DMS
 * simulator was given, run by bash as the BFB installer would, writes each
 * field's file (hostile text staying data); a flavor deleted and created again
 * with other content runs the update flow, which flashes the DPU again with
 * the new bf.cfg.
 */
import fs from 'node:fs';
import path from 'node:path';
import execa from 'execa';
import { dpuFlavorRevisionWorkflowId, dpuLifecycleWorkflowId } from '../../model/workflow-ids';
import { lifecycleStateQuery } from '../../model/dpu-lifecycle-api';
import { refOf } from '../../model/resources/common';
import type { DpuFlavorContent } from '../../model/dpu-flavor';
import type { DmsSimulator } from '../../sim/dms';
import { deviceDir } from '../../sim/sysfs/layout';
import { KubeHarness, NS } from './kube-harness';

jest.setTimeout(240_000);

const h = new KubeHarness();

beforeAll(async () => {
  await h.start();
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  await h.startControllers();
});
afterAll(() => h.dispose());

/** The API server's answer to creating a DPUFlavor with `spec`: its status code and message. */
async function refusal(name: string, spec: unknown): Promise<{ code: number; text: string }> {
  try {
    await h.kube.create('DPUFlavor', NS, { metadata: { name }, spec });
  } catch (err) {
    const e = err as { code?: number; body?: unknown; message?: string };
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
    return { code: e.code ?? 0, text: `${e.message ?? ''} ${body}` };
  }
  throw new Error(`DPUFlavor ${name} was accepted: ${JSON.stringify(spec)}`);
}

test.each<[string, unknown, string]>([
  ['numVfs of the wrong type', { numVfs: 'eight' }, 'spec.numVfs'],
  [
    'kernelParameters not a list',
    { grub: { kernelParameters: 'console=hvc0' } },
    'spec.grub.kernelParameters',
  ],
  [
    'a kernel parameter with $()',
    { grub: { kernelParameters: ['x=$(reboot)'] } },
    'spec.grub.kernelParameters[0]',
  ],
  [
    'an nvconfig parameter in lower case',
    { nvconfig: [{ parameters: ['sriov_en=1'] }] },
    'spec.nvconfig[0].parameters[0]',
  ],
  [
    'an nvconfig parameter without a value',
    { nvconfig: [{ parameters: ['SRIOV_EN'] }] },
    'spec.nvconfig[0].parameters[0]',
  ],
  [
    'an nvconfig value with a shell command',
    { nvconfig: [{ parameters: ['SRIOV_EN=1;reboot'] }] },
    'spec.nvconfig[0].parameters[0]',
  ],
  [
    'an nvconfig parameter of the wrong type',
    { nvconfig: [{ parameters: [1] }] },
    'spec.nvconfig[0].parameters[0]',
  ],
  [
    'an nvconfig device other than *',
    { nvconfig: [{ device: '/dev/mst/mt41692', parameters: [] }] },
    'spec.nvconfig[0].device',
  ],
  ['two nvconfig entries', { nvconfig: [{}, {}] }, 'spec.nvconfig'],
  ['a bfcfgParameter without =', { bfcfgParameters: ['JUSTAWORD'] }, 'spec.bfcfgParameters[0]'],
  ['a bfcfgParameter setting PATH', { bfcfgParameters: ['PATH=/tmp'] }, 'spec.bfcfgParameters'],
  ['a sysctl line over two lines', { sysctl: { parameters: ['a=1\nb=2'] } }, 'spec.sysctl.parameters[0]'],
  ['an OVS script of the wrong type', { ovs: { rawConfigScript: ['x'] } }, 'spec.ovs.rawConfigScript'],
  ['a config file path with ..', { configFiles: [{ path: '/etc/../root/x' }] }, 'spec.configFiles[0].path'],
  [
    'a config file operation',
    { configFiles: [{ path: '/etc/x', operation: 'delete' }] },
    'spec.configFiles[0].operation',
  ],
  [
    'config file permissions',
    { configFiles: [{ path: '/etc/x', permissions: 'rw' }] },
    'spec.configFiles[0].permissions',
  ],
  [
    'a registry endpoint with a |',
    { containerdConfig: { registryEndpoint: 'https://a|b' } },
    'spec.containerdConfig.registryEndpoint',
  ],
  [
    'systemReservedResources alone',
    { systemReservedResources: { cpu: '1' } },
    'spec.systemReservedResources',
  ],
])('the API server refuses %s, naming the field', async (_what, spec, field) => {
  const { code, text } = await refusal('refused', spec);
  expect(code).toBe(422);
  expect(text).toContain(field);
});

test.each<[string, string, string]>([
  ['a name mlxconfig does not know', 'SRIOV_ENABLE=1', 'SRIOV_ENABLE'],
  ['a per-port parameter without its port', 'LINK_TYPE=ETH', 'LINK_TYPE'],
  ['an array element past the array', 'MODULE_SPLIT_M0[16]=1', 'MODULE_SPLIT_M0[16]'],
  ['an array parameter without an index', 'ESWITCH_HAIRPIN_DESCRIPTORS=1', 'ESWITCH_HAIRPIN_DESCRIPTORS'],
  ['an index on a parameter that is no array', 'SRIOV_EN[0]=1', 'SRIOV_EN[0]'],
])('the API server refuses an nvconfig parameter with %s, naming it', async (_what, param, name) => {
  const { code, text } = await refusal('unknown-fw', {
    nvconfig: [{ device: '*', parameters: ['SRIOV_EN=1', param] }],
  });
  expect(code).toBe(422);
  // The field, then the message naming the parameter and where the names come from.
  const at = text.indexOf('spec.nvconfig[0].parameters[1]: Invalid value: ');
  expect(at).toBeGreaterThanOrEqual(0);
  expect(text.slice(at, at + 300)).toContain(
    `: unknown mlxconfig parameter ${name}: not among the 322 names mlxconfig knows (mstflint 4.21.0+1-1, model/mlxconfig-params.ts)`,
  );
  expect(text).not.toContain('parameters[0]');
});

test("the API server accepts DPF's own nvconfig parameters, a per-port one and elements of array parameters", async () => {
  // NVIDIA/doca-platform config/provisioning/default/flavor-hbn-ovn.yaml (the same list in
  // docs/guides/usecases/hbn_only/manifests/04-dpuservice-installation/hbn-dpuflavor.yaml)
  // @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f.
  const dpf = [
    'PF_BAR2_ENABLE=0',
    'PER_PF_NUM_SF=1',
    'PF_TOTAL_SF=20',
    'PF_SF_BAR_SIZE=10',
    'NUM_PF_MSIX_VALID=0',
    'PF_NUM_PF_MSIX_VALID=1',
    'PF_NUM_PF_MSIX=228',
    'INTERNAL_CPU_MODEL=1',
    'INTERNAL_CPU_OFFLOAD_ENGINE=0',
    'SRIOV_EN=1',
    'NUM_OF_VFS=46',
    'LAG_RESOURCE_ALLOCATION=1',
  ];
  // mlxconfig's other spellings: a per-port parameter, elements of arrays (one per module), a lower-case name.
  const parameters = [
    ...dpf,
    'LINK_TYPE_P1=ETH',
    'LINK_TYPE_P2=2',
    'ESWITCH_HAIRPIN_DESCRIPTORS[0]=128',
    'MODULE_SPLIT_M1[15]=2',
    'EXP_ROM_UEFI_x86_ENABLE=1',
  ];
  const ref = { namespace: NS, name: 'known-fw' };
  await h.kube.create('DPUFlavor', NS, {
    metadata: { name: ref.name },
    spec: { nvconfig: [{ device: '*', parameters }] },
  });
  const stored = await h.kube.get<{ spec: DpuFlavorContent }>('DPUFlavor', ref);
  expect(stored?.spec.nvconfig?.[0].parameters).toEqual(parameters);
  await h.kube.delete('DPUFlavor', ref);
});

/** A value that would run `touch <canary>` if any shell ever evaluated it. */
function hostile(canary: string): string {
  return [
    `'; touch ${canary}; '`,
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    'EOF',
    `touch ${canary}`,
    '',
  ].join('\n');
}

function everyField(canary: string, sysctl: string): DpuFlavorContent & { numVfs: number } {
  return {
    numVfs: 2,
    bfcfgParameters: ['UPDATE_DPU_OS=yes', `WITH_NIC_FW_UPDATE=no'; touch ${canary}`],
    grub: { kernelParameters: ['console=hvc0', 'hugepages=3072'] },
    sysctl: { parameters: [sysctl] },
    nvconfig: [{ device: '*', parameters: ['PF_TOTAL_SF=20', 'SRIOV_EN=1'] }],
    ovs: { rawConfigScript: `ovs-vsctl set Open_vSwitch . other_config:hw-offload=true\n${hostile(canary)}` },
    configFiles: [
      {
        path: '/etc/mellanox/mlnx-bf.conf',
        operation: 'override',
        raw: hostile(canary),
        permissions: '0600',
      },
      { path: '/etc/xpuflow/extra.conf', operation: 'append', raw: 'appended\n' },
    ],
    containerdConfig: { registryEndpoint: 'https://mirror.example:5000' },
    dpuResources: { cpu: '8', memory: '16Gi' },
    systemReservedResources: { cpu: '2' },
  };
}

/** The bf.cfg the DPU runs now, as the DMS simulator was given it. */
async function runningCfg(dms: DmsSimulator): Promise<{ version: string; content: string }> {
  const s = await dms.state();
  const image = s.stagedImages.find((i) => i.version === s.runningCfg);
  if (!s.runningCfg || image?.content === undefined)
    throw new Error(`DMS runs no bf.cfg it kept: ${JSON.stringify(s)}`);
  return { version: s.runningCfg, content: image.content };
}

/** Runs the bf.cfg's bfb_modify_os into a scratch root, as the BFB installer does with /mnt. */
async function installInto(cfg: string, dir: string): Promise<string> {
  const root = path.join(dir, 'mnt');
  fs.mkdirSync(path.join(root, 'etc/xpuflow'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/hosts'), '');
  fs.writeFileSync(path.join(root, 'etc/xpuflow/extra.conf'), 'kept\n');
  const file = path.join(dir, 'bf.cfg');
  fs.writeFileSync(file, cfg);
  await execa('bash', ['-c', 'set -eu; source "$1"; bfb_modify_os', '_', file], {
    env: { XPUFLOW_TARGET_ROOT: root },
    cwd: dir,
  });
  return root;
}

test('every DPUFlavor field reaches the DPU through DMS; a flavor with new content flashes the DPU again', async () => {
  const dir = fs.mkdtempSync(path.join(h.dir, 'flavor-'));
  const canary = path.join(dir, 'PWNED');
  await h.kube.create('DPUFlavor', NS, {
    metadata: { name: 'every-field' },
    spec: everyField(canary, 'net.ipv4.ip_forward=1'),
  });
  const fleet = await h.hosts('flavor', 1, {});
  const dms = fleet.dpus[0].dms;
  await h.kube.create('DPU', NS, {
    metadata: { name: 'flavored' },
    spec: {
      nodeName: fleet.hosts[0].node,
      pciAddress: fleet.dpus[0].spec.pciAddress,
      bfb: 'bf-2-9-1',
      flavor: 'every-field',
      cluster: { name: 'dpu-cluster' },
    },
  });
  await h.waitFor(
    'flavored Ready',
    async () => (await h.dpu('flavored'))?.status?.phase === 'Ready',
    120_000,
  );
  expect(dms.counters.flashes).toBe(1);

  const first = await runningCfg(dms);
  const root = await installInto(first.content, dir);
  const read = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8');
  expect(fs.existsSync(canary)).toBe(false);
  const vars = await execa('bash', [
    '-c',
    'set -eu; source "$1"; printf "%s\\n" "$UPDATE_DPU_OS" "$WITH_NIC_FW_UPDATE"',
    '_',
    path.join(dir, 'bf.cfg'),
  ]);
  expect(vars.stdout).toBe(`yes\nno'; touch ${canary}`);
  expect(read('etc/default/grub.d/99-dpf.cfg')).toBe('GRUB_CMDLINE_LINUX="console=hvc0 hugepages=3072"\n');
  expect(read('etc/sysctl.d/99-dpf.conf')).toBe('net.ipv4.ip_forward=1\n');
  expect(read('opt/dpf/set-nvconfig-params.sh')).toContain(`-y set 'PF_TOTAL_SF=20' 'SRIOV_EN=1'`);
  expect(read('opt/dpf/ovs.sh')).toContain(`other_config:hw-offload=true\n${hostile(canary)}`);
  expect(read('etc/mellanox/mlnx-bf.conf')).toBe(hostile(canary));
  expect(read('etc/xpuflow/extra.conf')).toBe('kept\nappended\n');
  expect(read('opt/dpf/config_containerd.sh')).toContain("ENDPOINT='https://mirror.example:5000'");
  expect(read('opt/dpf/xpuflow-flavor.sh')).toContain('update-grub');
  expect(fs.existsSync(canary)).toBe(false);
  // numVfs came from the flavor too.
  const numVfs = path.join(
    deviceDir(fleet.hosts[0].sysfsRoot, fleet.dpus[0].spec.pciAddress),
    'sriov_numvfs',
  );
  expect(fs.readFileSync(numVfs, 'utf8').trim()).toBe('2');

  // DPUFlavor is immutable (as DPF's): new content under the same name is a delete and a create.
  const dpu = (await h.dpu('flavored'))!;
  const ref = refOf(dpu.metadata);
  const lifecycle = h.client.workflow.getHandle(dpuLifecycleWorkflowId(ref));
  const before = await lifecycle.query(lifecycleStateQuery);
  expect(before.appliedFlavorRevision).toMatch(/^[0-9a-f]{16}$/);
  await h.kube.delete('DPUFlavor', { namespace: NS, name: 'every-field' });
  await h.kube.create('DPUFlavor', NS, {
    metadata: { name: 'every-field' },
    spec: everyField(canary, 'net.core.somaxconn=4096'),
  });
  const after = await h.waitFor(
    'the lifecycle to apply the new flavor revision',
    async () => {
      const s = await lifecycle.query(lifecycleStateQuery);
      return s.appliedFlavorRevision !== before.appliedFlavorRevision && !s.running && s;
    },
    120_000,
  );
  await h.waitFor('flavored Ready again', async () => (await h.dpu('flavored'))?.status?.phase === 'Ready');
  expect(after.appliedGeneration).toBe(1);
  expect(await h.workflowIds('updateDpu')).toEqual([
    dpuFlavorRevisionWorkflowId(ref, 1, after.appliedFlavorRevision!),
  ]);
  // A second flash of the same BFB, with the new bf.cfg.
  expect(dms.counters.flashes).toBe(2);
  const second = await runningCfg(dms);
  expect(second.version).not.toBe(first.version);
  expect(second.content).toContain('net.core.somaxconn=4096');
  expect(second.content).not.toContain('net.ipv4.ip_forward=1');

  // Pointing the DPU at another flavor is a spec change (generation 2): UpdateDpu flashes with that flavor's bf.cfg.
  await h.kube.create('DPUFlavor', NS, {
    metadata: { name: 'other' },
    spec: { numVfs: 2, sysctl: { parameters: ['vm.swappiness=10'] } },
  });
  await h.kube.patch('DPU', { namespace: NS, name: 'flavored' }, { spec: { flavor: 'other' } });
  await h.waitFor(
    'flavored Ready at generation 2',
    async () => {
      const d = await h.dpu('flavored');
      return d?.status?.phase === 'Ready' && d.status.observedGeneration === 2;
    },
    120_000,
  );
  expect(dms.counters.flashes).toBe(3);
  const third = await runningCfg(dms);
  expect(third.content).toContain("'vm.swappiness=10");
  expect(third.content).not.toContain('somaxconn');

  // The new branches (dpu-flavor-revision-update, reflash-for-new-bf-cfg) for test/replay.
  h.captureHistory(lifecycle.workflowId, 'dpu-lifecycle-flavor-revision.json');
  h.captureHistory(
    dpuFlavorRevisionWorkflowId(ref, 1, after.appliedFlavorRevision!),
    'update-dpu-flavor-reflash.json',
  );
});
