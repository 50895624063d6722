/**
 * The join part of bf.cfg (activities/bfb/bf-cfg-join.ts): the kubeadm join
 * command DPF renders, proven by bash itself — bfb_modify_os writes DPF's
 * join script, its unit and kubelet's labels into the new root, and the
 * script runs exactly the command given (a fake kubeadm records its
 * arguments). Bad values are refused naming them (never the token), and the
 * simulated DPU reads back what was rendered.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import execa from 'execa';
import { renderBfCfg } from '../../activities/bfb';
import type { BfCfgJoin } from '../../activities/bfb/bf-cfg-join';
import type { DpuSpec } from '../../model/dpu';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import { parseBfCfgJoin } from '../../sim/dpu';

const SPEC: DpuSpec = {
  name: 'host-1-dpu-0',
  node: 'host-1',
  pciAddress: '0000:03:00.0',
  bfb: { url: 'http://bfb.local/bf-bundle.bfb', sha256: 'a'.repeat(64) },
  dmsAddress: '10.0.0.5:9339',
  numVfs: 4,
  automaticReboot: true,
};

const JOIN: BfCfgJoin = {
  apiServerEndpoint: '10.0.0.1:6443',
  token: 'abcdef.0123456789abcdef',
  caCertHashes: [`sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`],
  nodeName: 'host-1-dpu-0.team-a',
  nodeLabels: { 'dpu.xpuflow.dev/dpu': 'host-1-dpu-0.team-a', 'example.com/rack': 'r7' },
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bfcfg-join-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function refusal(fn: () => unknown): ApplicationFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('not refused');
}

it('renders the kubeadm join command DPF prints, one single-quoted word each, and the labels', () => {
  const { content } = renderBfCfg(SPEC, JOIN);
  expect(content).toContain(
    "XPUFLOW_KUBEADM_JOIN=('kubeadm' 'join' '10.0.0.1:6443' '--token' 'abcdef.0123456789abcdef' " +
      `'--discovery-token-ca-cert-hash' 'sha256:${'1'.repeat(64)}' '--discovery-token-ca-cert-hash' 'sha256:${'2'.repeat(64)}' ` +
      "'--node-name' 'host-1-dpu-0.team-a' '--v=5')",
  );
  expect(content).toContain(
    "XPUFLOW_NODE_LABELS='dpu.xpuflow.dev/dpu=host-1-dpu-0.team-a,example.com/rack=r7'",
  );
  expect(parseBfCfgJoin(content)).toEqual({
    endpoint: '10.0.0.1:6443',
    token: JOIN.token,
    caCertHashes: JOIN.caCertHashes,
    nodeName: JOIN.nodeName,
    nodeLabels: JOIN.nodeLabels,
  });
  // Without a join the file is as before: no join variables, no installer.
  expect(renderBfCfg(SPEC).content).not.toContain('KUBEADM_JOIN');
  expect(parseBfCfgJoin(renderBfCfg(SPEC).content)).toBeUndefined();
});

it('bfb_modify_os installs DPF join script, unit and kubelet labels; the script runs the join until it succeeds', async () => {
  const cfg = path.join(dir, 'bf.cfg');
  fs.writeFileSync(cfg, renderBfCfg(SPEC, JOIN).content);
  const root = path.join(dir, 'mnt');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  await execa('bash', ['-c', 'set -eu; source "$1"; bfb_modify_os', '_', cfg], {
    env: { XPUFLOW_TARGET_ROOT: root },
  });
  const script = fs.readFileSync(path.join(root, 'opt/dpf/join_k8s_cluster.sh'), 'utf8');
  expect(script).toContain('touch /opt/dpf/joined_cluster_successfully && exit 0');
  expect(fs.statSync(path.join(root, 'opt/dpf/join_k8s_cluster.sh')).mode & 0o777).toBe(0o700);
  expect(fs.readFileSync(path.join(root, 'etc/systemd/system/kubeadm-join.service'), 'utf8')).toContain(
    'ExecStart=/bin/bash /opt/dpf/join_k8s_cluster.sh',
  );
  expect(fs.readFileSync(path.join(root, 'etc/default/kubelet'), 'utf8')).toBe(
    'KUBELET_EXTRA_ARGS=--node-labels=dpu.xpuflow.dev/dpu=host-1-dpu-0.team-a\\,example.com/rack=r7\n',
  );

  // Run the installed script with a kubeadm that records its arguments, fails once, then succeeds.
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'kubeadm'),
    '#!/bin/bash\nprintf "%s\\n" "$@" >> "$ARGS"\n[ -e "$ARGS.once" ] && exit 0\n/usr/bin/touch "$ARGS.once"; exit 1\n',
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(bin, 'sleep'), '#!/bin/bash\nexit 0\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'touch'), '#!/bin/bash\n/usr/bin/touch "$ARGS.joined"\n', { mode: 0o755 });
  const args = path.join(dir, 'args');
  await execa('bash', [path.join(root, 'opt/dpf/join_k8s_cluster.sh')], {
    env: { PATH: `${bin}:/usr/bin:/bin`, ARGS: args },
    timeout: 10_000,
  });
  const words = fs.readFileSync(args, 'utf8').trim().split('\n');
  const once = [
    'join',
    '10.0.0.1:6443',
    '--token',
    JOIN.token,
    '--discovery-token-ca-cert-hash',
    JOIN.caCertHashes[0],
    '--discovery-token-ca-cert-hash',
    JOIN.caCertHashes[1],
    '--node-name',
    JOIN.nodeName,
    '--v=5',
  ];
  expect(words).toEqual([...once, ...once]); // tried again after the failure
  expect(fs.existsSync(`${args}.joined`)).toBe(true);
});

it('refuses values that are not what kubeadm takes, naming them but never the token', () => {
  const bad = (j: Partial<BfCfgJoin>) => refusal(() => renderBfCfg(SPEC, { ...JOIN, ...j })).message;
  expect(bad({ apiServerEndpoint: '10.0.0.1:6443; reboot' })).toContain(
    '"10.0.0.1:6443; reboot" is not host:port',
  );
  const token = bad({ token: "abcdef.0123456789abcde'" });
  expect(token).toContain('bootstrap token is not');
  expect(token).not.toContain('0123456789abcde');
  expect(bad({ caCertHashes: [] })).toContain('no CA certificate hash');
  expect(bad({ nodeName: 'a$(reboot)' })).toContain('node name "a$(reboot)"');
  expect(bad({ nodeLabels: { 'x/y': 'a,b=c' } })).toContain('node label x/y value "a,b=c"');
  expect(bad({ nodeLabels: { '`id`': 'a' } })).toContain('node label key "`id`"');
});

it('DPU-cluster node names cannot collide across namespaces and stay label values', () => {
  expect(dpuClusterNodeName('team-a', 'dpu-0')).toBe('dpu-0.team-a');
  expect(dpuClusterNodeName('team-b', 'dpu-0')).not.toBe(dpuClusterNodeName('team-a', 'dpu-0'));
  const long = dpuClusterNodeName('n'.repeat(40), 'd'.repeat(40));
  expect(long.length).toBeLessThanOrEqual(63);
  expect(long).not.toBe(dpuClusterNodeName('n'.repeat(40), `${'d'.repeat(39)}e`));
  expect(long).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
});
