/**
 * A DPUFlavor in the bf.cfg (activities/bfb/bf-cfg-flavor.ts): every field
 * lands in DPF's file, proven by bash itself running bfb_modify_os into a
 * scratch root; hostile values in every free-text field stay data (no
 * command runs, each file holds exactly the bytes given); what cannot be made
 * safe is refused naming the field.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import execa from 'execa';
import { renderBfCfg } from '../../activities/bfb';
import type { DpuSpec } from '../../model/dpu';
import type { DpuFlavorContent } from '../../model/dpu-flavor';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-flavor-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function spec(flavor: DpuFlavorContent): DpuSpec {
  return {
    name: 'host-1-dpu-0',
    node: 'host-1',
    pciAddress: '0000:03:00.0',
    bfb: { url: 'http://bfb.local/bf-bundle.bfb', sha256: 'a'.repeat(64) },
    dmsAddress: '10.0.0.5:9339',
    numVfs: 0,
    automaticReboot: true,
    bfCfg: { flavor },
  };
}

/** A value that would run `touch <canary>` if any shell ever evaluated it. */
function hostile(canary: string): string {
  return [
    `'; touch ${canary}; '`,
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `" ; touch ${canary} ; "`,
    'EOF',
    `touch ${canary}`,
    '\\\'\\"$HOME ${PATH} %s %q',
    '',
  ].join('\n');
}

/** Every field of DPF's DPUFlavor, with hostile text wherever free text is allowed. */
function everyField(canary: string): DpuFlavorContent {
  return {
    bfcfgParameters: ['UPDATE_DPU_OS=yes', `WITH_NIC_FW_UPDATE=no'; touch ${canary}; $(touch ${canary})`],
    grub: { kernelParameters: ['console=hvc0', 'hugepagesz=2048kB', 'cgroup_no_v1=net_prio,net_cls'] },
    sysctl: { parameters: ['net.ipv4.ip_forward=1', `kernel.hostname = $(touch ${canary})`] },
    nvconfig: [{ device: '*', parameters: ['PF_TOTAL_SF=20', 'SRIOV_EN=1', 'LINK_TYPE_P1=ETH'] }],
    ovs: { rawConfigScript: `ovs-vsctl set Open_vSwitch . other_config:hw-offload=true\n${hostile(canary)}` },
    configFiles: [
      {
        path: '/etc/mellanox/mlnx-bf.conf',
        operation: 'override',
        raw: hostile(canary),
        permissions: '0600',
      },
      { path: '/etc/xpuflow/appended.conf', operation: 'append', raw: 'second\n', permissions: '0644' },
      { path: '/etc/mellanox/mlnx-sf.conf', raw: '' },
    ],
    containerdConfig: { registryEndpoint: 'https://mirror.example:5000/nvcr' },
  };
}

async function modifyOs(cfg: string, root: string): Promise<void> {
  const file = path.join(dir, 'bf.cfg');
  fs.writeFileSync(file, cfg);
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  await execa('bash', ['-n', file]);
  await execa('bash', ['-c', 'set -eu; source "$1"; bfb_modify_os', '_', file], {
    env: { XPUFLOW_TARGET_ROOT: root },
    cwd: dir,
  });
}

function read(root: string, p: string): string {
  return fs.readFileSync(path.join(root, p), 'utf8');
}

function mode(root: string, p: string): string {
  return (fs.statSync(path.join(root, p)).mode & 0o777).toString(8).padStart(4, '0');
}

test('every field reaches its file in the new root; hostile text stays data, byte for byte', async () => {
  const canary = path.join(dir, 'PWNED');
  const flavor = everyField(canary);
  const root = path.join(dir, 'mnt');
  fs.mkdirSync(path.join(root, 'etc/xpuflow'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/hosts'), '');
  fs.writeFileSync(path.join(root, 'etc/xpuflow/appended.conf'), 'first\n');
  const { content } = renderBfCfg(spec(flavor));
  await modifyOs(content, root);

  expect(fs.existsSync(canary)).toBe(false);
  // bfcfgParameters: BFB installer variables, each value exactly as given.
  const { stdout } = await execa('bash', [
    '-c',
    'set -eu; source "$1"; printf "%s\\0" "$UPDATE_DPU_OS" "$WITH_NIC_FW_UPDATE"',
    '_',
    path.join(dir, 'bf.cfg'),
  ]);
  expect(stdout.split('\0')).toEqual(['yes', `no'; touch ${canary}; $(touch ${canary})`, '']);
  expect(read(root, 'etc/default/grub.d/99-dpf.cfg')).toBe(
    'GRUB_CMDLINE_LINUX="console=hvc0 hugepagesz=2048kB cgroup_no_v1=net_prio,net_cls"\n',
  );
  expect(read(root, 'etc/sysctl.d/99-dpf.conf')).toBe(
    `net.ipv4.ip_forward=1\nkernel.hostname = $(touch ${canary})\n`,
  );
  expect(read(root, 'opt/dpf/set-nvconfig-params.sh')).toContain(
    `mlxconfig -d "\${dev}" -y set 'PF_TOTAL_SF=20' 'SRIOV_EN=1' 'LINK_TYPE_P1=ETH'`,
  );
  expect(read(root, 'opt/dpf/ovs.sh')).toBe(`#! /bin/bash\nset -e\n${flavor.ovs!.rawConfigScript}\n`);
  expect(read(root, 'etc/mellanox/mlnx-bf.conf')).toBe(hostile(canary));
  expect(mode(root, 'etc/mellanox/mlnx-bf.conf')).toBe('0600');
  expect(read(root, 'etc/xpuflow/appended.conf')).toBe('first\nsecond\n');
  expect(read(root, 'etc/mellanox/mlnx-sf.conf')).toBe('');
  expect(mode(root, 'etc/mellanox/mlnx-sf.conf')).toBe('0644');
  expect(read(root, 'opt/dpf/config_containerd.sh')).toContain("ENDPOINT='https://mirror.example:5000/nvcr'");
  for (const script of ['set-nvconfig-params.sh', 'ovs.sh', 'config_containerd.sh', 'xpuflow-flavor.sh']) {
    expect(mode(root, `opt/dpf/${script}`)).toBe('0755');
    await execa('bash', ['-n', path.join(root, 'opt/dpf', script)]);
  }
  // The first boot runs DPF's runcmd steps in DPF's order, once.
  expect(read(root, 'opt/dpf/xpuflow-flavor.sh')).toBe(
    [
      '#! /bin/bash',
      'set -e',
      '/opt/dpf/set-nvconfig-params.sh',
      '/opt/dpf/ovs.sh',
      '/opt/dpf/config_containerd.sh',
      'systemctl restart containerd',
      'sysctl --system',
      'update-grub',
      'touch /opt/dpf/xpuflow-flavor.done',
      '',
    ].join('\n'),
  );
  expect(
    fs.readlinkSync(path.join(root, 'etc/systemd/system/multi-user.target.wants/xpuflow-flavor.service')),
  ).toBe('/etc/systemd/system/xpuflow-flavor.service');
  expect(read(root, 'etc/systemd/system/xpuflow-flavor.service')).toContain(
    'ExecStart=/bin/bash /opt/dpf/xpuflow-flavor.sh',
  );
  expect(fs.existsSync(canary)).toBe(false);
});

test('set-nvconfig-params.sh hands mlxconfig each parameter as one argument', async () => {
  const root = path.join(dir, 'mnt');
  await modifyOs(
    renderBfCfg(spec({ nvconfig: [{ parameters: ['SRIOV_EN=1', 'NUM_OF_VFS=46'] }] })).content,
    root,
  );
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'mlxconfig.log');
  fs.writeFileSync(path.join(bin, 'mlxconfig'), `#!/bin/bash\nprintf '%s\\n' "$@" > ${log}\n`, {
    mode: 0o755,
  });
  await execa('bash', [path.join(root, 'opt/dpf/set-nvconfig-params.sh')], {
    env: { PATH: `${bin}:${process.env.PATH}` },
  });
  expect(fs.readFileSync(log, 'utf8')).toBe('-d\n/dev/mst/*\n-y\nset\nSRIOV_EN=1\nNUM_OF_VFS=46\n');
});

test('golden structure: parameters among the assignments, the helper before bfb_modify_os, files inside it', () => {
  const { content } = renderBfCfg(spec(everyField('/nonexistent/canary')));
  const lines = content.split('\n');
  const at = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix));
  expect(at("XPUFLOW_HOSTNAME='host-1-dpu-0'")).toBeLessThan(at("UPDATE_DPU_OS='yes'"));
  expect(at("UPDATE_DPU_OS='yes'")).toBeLessThan(at('xpuflow_flavor_file()'));
  expect(at('xpuflow_flavor_file()')).toBeLessThan(at('bfb_modify_os()'));
  const inside = lines.slice(at('bfb_modify_os()'));
  const files = inside
    .filter((l) => l.startsWith('    xpuflow_flavor_file '))
    .map((l) => /^ {4}xpuflow_flavor_file '([^']+)'/.exec(l)![1]);
  expect(files).toEqual([
    '/opt/dpf/set-nvconfig-params.sh',
    '/etc/sysctl.d/99-dpf.conf',
    '/etc/default/grub.d/99-dpf.cfg',
    '/etc/mellanox/mlnx-bf.conf',
    '/etc/xpuflow/appended.conf',
    '/etc/mellanox/mlnx-sf.conf',
    '/opt/dpf/ovs.sh',
    '/opt/dpf/config_containerd.sh',
    '/opt/dpf/xpuflow-flavor.sh',
    '/etc/systemd/system/xpuflow-flavor.service',
  ]);
  expect(lines.filter((l) => l === '}').length).toBe(2);
  expect(lines[lines.length - 2]).toBe('}');
});

test('an empty flavor renders the same bytes as no flavor; a changed flavor is a new file name', () => {
  const none = renderBfCfg({ ...spec({}), bfCfg: undefined });
  expect(renderBfCfg(spec({})).content).toBe(none.content);
  const a = renderBfCfg(spec({ sysctl: { parameters: ['a.b=1'] } }));
  const b = renderBfCfg(spec({ sysctl: { parameters: ['a.b=2'] } }));
  expect(a.fileName).not.toBe(b.fileName);
});

function refused(flavor: unknown): string {
  try {
    renderBfCfg(spec(flavor as DpuFlavorContent));
  } catch (err) {
    if (err instanceof ApplicationFailure) {
      expect(err.type).toBe('InvalidBfCfg');
      expect(err.nonRetryable).toBe(true);
      return err.message;
    }
    throw err;
  }
  throw new Error('expected a refusal');
}

test.each<[string, unknown, string]>([
  ['bfcfgParameters without =', { bfcfgParameters: ['JUSTAWORD'] }, 'bfcfgParameters[0]'],
  ['bfcfgParameters with a hostile key', { bfcfgParameters: ['$(reboot)=1'] }, 'bfcfgParameters[0]'],
  ['bfcfgParameters over two lines', { bfcfgParameters: ['A=1\nreboot'] }, 'bfcfgParameters[0]'],
  ['bfcfgParameters setting PATH', { bfcfgParameters: ['OK=1', 'PATH=/tmp'] }, 'bfcfgParameters[1]'],
  [
    'bfcfgParameters setting an xpuflow variable',
    { bfcfgParameters: ['XPUFLOW_HOSTNAME=x'] },
    'XPUFLOW_HOSTNAME',
  ],
  ['bfcfgParameters not a list', { bfcfgParameters: 'A=1' }, 'bfcfgParameters'],
  [
    'a kernel parameter with a quote',
    { grub: { kernelParameters: ['a" init=/bin/sh "'] } },
    'grub.kernelParameters[0]',
  ],
  [
    'a kernel parameter with $()',
    { grub: { kernelParameters: ['x=$(reboot)'] } },
    'grub.kernelParameters[0]',
  ],
  ['a kernel parameter of the wrong type', { grub: { kernelParameters: [7] } }, 'grub.kernelParameters[0]'],
  ['a sysctl line over two lines', { sysctl: { parameters: ['a=1\nb=2'] } }, 'sysctl.parameters[0]'],
  [
    'an nvconfig parameter in lower case',
    { nvconfig: [{ parameters: ['sriov_en=1'] }] },
    'nvconfig[0].parameters[0]',
  ],
  [
    'an nvconfig parameter without a value',
    { nvconfig: [{ parameters: ['SRIOV_EN'] }] },
    'nvconfig[0].parameters[0]',
  ],
  [
    "an nvconfig value with ';'",
    { nvconfig: [{ parameters: ['SRIOV_EN=1;reboot'] }] },
    'nvconfig[0].parameters[0]',
  ],
  [
    'an nvconfig device other than *',
    { nvconfig: [{ device: '/dev/mst/x', parameters: [] }] },
    'nvconfig[0].device',
  ],
  ['two nvconfig entries', { nvconfig: [{}, {}] }, 'nvconfig'],
  ['an OVS script that is not a string', { ovs: { rawConfigScript: ['x'] } }, 'ovs.rawConfigScript'],
  ['an OVS script with a NUL', { ovs: { rawConfigScript: 'a\0b' } }, 'ovs.rawConfigScript'],
  ['a relative config file path', { configFiles: [{ path: 'etc/x' }] }, 'configFiles[0].path'],
  ['a config file path with ..', { configFiles: [{ path: '/etc/../root/.ssh/x' }] }, 'configFiles[0].path'],
  ['a config file path with a quote', { configFiles: [{ path: "/etc/x'y" }] }, 'configFiles[0].path'],
  [
    'a config file operation',
    { configFiles: [{ path: '/etc/x', operation: 'delete' }] },
    'configFiles[0].operation',
  ],
  [
    'config file permissions',
    { configFiles: [{ path: '/etc/x', permissions: '0644; reboot' }] },
    'configFiles[0].permissions',
  ],
  [
    'a registry endpoint with a |',
    { containerdConfig: { registryEndpoint: 'https://a|b' } },
    'containerdConfig.registryEndpoint',
  ],
  [
    'a registry endpoint with a quote',
    { containerdConfig: { registryEndpoint: 'https://a"]; reboot' } },
    'containerdConfig.registryEndpoint',
  ],
  [
    'a registry endpoint of the wrong type',
    { containerdConfig: { registryEndpoint: 5000 } },
    'containerdConfig.registryEndpoint',
  ],
])('refuses %s, naming the field', (_what, flavor, field) => {
  const message = refused(flavor);
  expect(message).toContain(field);
  expect(message).toContain('fix the DPUFlavor');
});
