/**
 * xpuflow-cni reaches the nodes: with VF attach on, the host DaemonSet's init
 * container copies the executable from the image into the node's CNI bin
 * directory; the Multus example's conflist is one xpuflow-cni accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseNetConf } from '../../node/cni/config';
import { CHART, renderChart, type K8sObject } from './helm';

interface Pod {
  initContainers?: Array<{
    name: string;
    image: string;
    command: string[];
    volumeMounts: Array<{ name: string; mountPath: string }>;
  }>;
  containers: Array<{ image: string }>;
  volumes: Array<{ name: string; hostPath?: { path: string; type?: string } }>;
}
const hostPod = (objs: K8sObject[]) =>
  (
    objs.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'xpuflow-host-worker') as K8sObject & {
      spec: { template: { spec: Pod } };
    }
  ).spec.template.spec;
const VF_ON = ['--set', 'hostWorker.vf.enabled=true'];

test('VF attach on: an init container installs /app/dist/xpuflow-cni into /opt/cni/bin, atomically', () => {
  const pod = hostPod(renderChart({}, VF_ON));
  const init = pod.initContainers?.find((c) => c.name === 'install-cni');
  expect(init).toBeDefined();
  expect(init!.image).toBe(pod.containers[0].image);
  const script = init!.command.join(' ');
  expect(script).toContain('cp /app/dist/xpuflow-cni /host/cni-bin/.xpuflow-cni.tmp');
  expect(script).toContain('mv -f /host/cni-bin/.xpuflow-cni.tmp /host/cni-bin/xpuflow-cni');
  expect(init!.volumeMounts).toEqual([{ name: 'cni-bin', mountPath: '/host/cni-bin' }]);
  expect(pod.volumes.find((v) => v.name === 'cni-bin')?.hostPath).toEqual({
    path: '/opt/cni/bin',
    type: 'DirectoryOrCreate',
  });
});

test('hostWorker.vf.cniBinDir moves it; VF attach off installs nothing', () => {
  const pod = hostPod(renderChart({ 'hostWorker.vf.cniBinDir': '/usr/libexec/cni' }, VF_ON));
  expect(pod.volumes.find((v) => v.name === 'cni-bin')?.hostPath?.path).toBe('/usr/libexec/cni');
  expect(hostPod(renderChart()).initContainers).toBeUndefined();
  expect(() => renderChart({ 'hostWorker.vf.cniBinDir': 'opt/cni/bin' }, VF_ON)).toThrow(
    /hostWorker\/vf\/cniBinDir/,
  );
});

test('the Dockerfile builds the executable the init container copies', () => {
  const dockerfile = fs.readFileSync(path.join(CHART, '..', '..', 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^RUN scripts\/build-cni\.sh$/m);
  expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist dist$/m);
});

test('the Multus example: a NetworkAttachmentDefinition whose conflist xpuflow-cni accepts', () => {
  const nad = parse(
    fs.readFileSync(path.join(CHART, 'examples', 'multus-vf-network.yaml'), 'utf8'),
  ) as K8sObject & { metadata: { annotations: Record<string, string> }; spec: { config: string } };
  expect(nad).toMatchObject({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition' });
  const list = JSON.parse(nad.spec.config) as {
    cniVersion: string;
    name: string;
    plugins: Array<Record<string, unknown>>;
  };
  expect(list.plugins.map((p) => p.type)).toEqual(['xpuflow-cni']);
  expect(nad.metadata.annotations['k8s.v1.cni.cncf.io/resourceName']).toBe(list.plugins[0].resourceName);
  // What libcni hands the plugin: the list's name and version, the runtime's deviceID.
  const conf = parseNetConf(
    JSON.stringify({
      ...list.plugins[0],
      cniVersion: list.cniVersion,
      name: list.name,
      runtimeConfig: { deviceID: '0000:03:00.2' },
    }),
  );
  expect(conf.ipam.type).toBe('host-local');
});
