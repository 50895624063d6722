/**
 * The DMS pod as data (model/dms-pod.ts): NVIDIA DPF's layout by default,
 * rendered per DPU with its placeholders filled, the chart's `dms:` defaults
 * equal to it, and a layout that cannot work refused with the field named.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DPF_DMS_POD_LAYOUT, dmsPodSpec, parseDmsPodLayout, type DmsPodFacts } from '../../model/dms-pod';

const FACTS: DmsPodFacts = {
  dpu: 'host-1-dpu-0',
  node: 'host-1',
  nodeIP: '10.0.0.7',
  port: 9340,
  pciAddress: '0000:03:00.0',
};

test('the default is DPF’s pod: privileged, host network, rshim preflight and dms-init, then rshim and dmsd with dms.conf', () => {
  const spec = dmsPodSpec(DPF_DMS_POD_LAYOUT, DPF_DMS_POD_LAYOUT.image, FACTS);
  expect(spec.hostNetwork).toBe(true);
  expect(spec.nodeName).toBe('host-1');
  expect(spec.initContainers.map((c) => [c.name, c.args])).toEqual([
    ['rshim-preflight', ['/opt/dpf/dmsinit.sh --cmd check-rshim-not-occupied']],
    [
      'dms-init',
      [
        '/opt/dpf/dmsinit.sh --cmd register --dms-conf-dir /opt/dpf/dms --dms-image-dir /bfb ' +
          '--kube-node-ref host-1 --dms-port 9340 --dms-ip 10.0.0.7 --external-certificate TODO',
      ],
    ],
  ]);
  const [dms] = spec.containers;
  expect(dms).toMatchObject({
    name: 'dms',
    image: 'example.com/hostdriver:v0.1.0',
    command: ['/bin/bash', '-c', '--'],
    args: ['./rshim.sh && /opt/mellanox/doca/services/dms/dmsd $(cat /opt/dpf/dms/dms.conf)'],
    securityContext: { privileged: true },
    ports: [{ name: 'gnoi', containerPort: 9340 }],
  });
  for (const c of [...spec.initContainers, ...spec.containers])
    expect(c.securityContext.privileged).toBe(true);
  expect(dms.volumeMounts).toEqual([
    { name: 'server-volume', mountPath: '/opt/dpf/dms/certs', readOnly: true },
    { name: 'bfb', mountPath: '/bfb' },
    { name: 'dev', mountPath: '/dev' },
    { name: 'dms-config', mountPath: '/opt/dpf/dms' },
    { name: 'dms-lib', mountPath: '/var/lib/dpf/dms' },
    { name: 'lib-modules', mountPath: '/lib/modules', readOnly: true },
  ]);
  expect(spec.volumes).toContainEqual({
    name: 'server-volume',
    secret: { secretName: 'host-1-server-secret' },
  });
  expect(spec.volumes).toContainEqual({ name: 'bfb', emptyDir: {} });
  expect(spec.volumes).toContainEqual({
    name: 'dms-lib',
    hostPath: { path: '/var/lib/dpf/dms', type: 'DirectoryOrCreate' },
  });
});

test('the chart’s dms: defaults are exactly that layout (the client Secret aside, which the control worker mounts)', () => {
  const values = parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'charts', 'xpuflow', 'values.yaml'), 'utf8'),
  ) as { dms: Record<string, unknown> & { tls: Record<string, unknown> } };
  const { clientSecret, ...tls } = values.dms.tls;
  expect(clientSecret).toBe('');
  expect(parseDmsPodLayout(JSON.stringify({ ...values.dms, tls }))).toEqual(DPF_DMS_POD_LAYOUT);
});

test('a layout of its own: image, args with placeholders, a PVC for the image folder, no server certificate', () => {
  const layout = parseDmsPodLayout(
    JSON.stringify({
      image: 'registry.local:5000/dms@sha256:' + 'a'.repeat(64),
      args: ['dmsd --target {pciAddress} --bind :{port} --name {dpu}'],
      initContainers: [],
      mounts: ['bfb'],
      volumes: [{ name: 'bfb', mountPath: '/bfb', claimName: 'bfb-pvc' }],
      tls: { serverSecret: '' },
    }),
  );
  const spec = dmsPodSpec(layout, layout.image, FACTS);
  expect(spec.containers[0].args).toEqual(['dmsd --target 0000:03:00.0 --bind :9340 --name host-1-dpu-0']);
  expect(spec.containers[0].volumeMounts).toEqual([{ name: 'bfb', mountPath: '/bfb' }]);
  expect(spec.volumes).toEqual([{ name: 'bfb', persistentVolumeClaim: { claimName: 'bfb-pvc' } }]);
  expect(spec.initContainers).toEqual([]);
});

test.each([
  ['not JSON', '{image:', /not JSON/],
  [
    'an image without a tag',
    JSON.stringify({ image: 'example.com/hostdriver' }),
    /dms\.image "example\.com\/hostdriver" needs a tag/,
  ],
  [
    'a mount of no volume',
    JSON.stringify({ mounts: ['bfb', 'certs'] }),
    /dms\.mounts mounts "certs", which is not in dms\.volumes/,
  ],
  [
    'an init container mounting no volume',
    JSON.stringify({ initContainers: [{ name: 'x', args: [], mounts: ['nope'] }] }),
    /dms\.initContainers x mounts "nope"/,
  ],
  [
    'a volume with both a hostPath and a claim',
    JSON.stringify({
      mounts: [],
      initContainers: [],
      volumes: [{ name: 'v', mountPath: '/v', claimName: 'c', hostPath: { path: '/v', type: 'Directory' } }],
    }),
    /dms\.volumes "v" has both hostPath and claimName/,
  ],
])('%s is refused, naming the field', (_what, text, words) => {
  expect(() => parseDmsPodLayout(text)).toThrow(words);
});
