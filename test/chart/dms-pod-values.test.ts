/**
 * The chart's `dms:` values, rendered by a real helm: the control worker gets
 * the DMS pod's layout (XPUFLOW_DMS_POD) equal to NVIDIA DPF's by default,
 * mTLS to DMS only when a client Secret is named, and values.schema.json
 * refuses an image without a tag or a volume of no known kind, naming it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DPF_DMS_POD_LAYOUT, parseDmsPodLayout } from '../../model/dms-pod';
import { CHART, helm, renderChart, type K8sObject } from './helm';

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface ControlWorker extends K8sObject {
  spec: {
    template: {
      spec: { containers: Container[]; volumes?: Array<{ name: string; secret?: { secretName: string } }> };
    };
  };
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dms-values-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function controlWorker(objs: K8sObject[]): ControlWorker {
  const o = objs.find((x) => x.kind === 'Deployment' && x.metadata.name === 'xpuflow-control-worker');
  if (!o) throw new Error('no control worker Deployment rendered');
  return o as ControlWorker;
}
function envOf(objs: K8sObject[]): Map<string, string | undefined> {
  const c = controlWorker(objs).spec.template.spec.containers[0];
  return new Map((c.env ?? []).map((e) => [e.name, e.value]));
}

test('by default the control worker renders DMS pods in DPF’s layout and talks to DMS without TLS', () => {
  const objs = renderChart();
  const e = envOf(objs);
  expect(parseDmsPodLayout(e.get('XPUFLOW_DMS_POD') ?? '')).toEqual(DPF_DMS_POD_LAYOUT);
  expect(e.has('XPUFLOW_DMS_TLS_CA_CERT_PATH')).toBe(false);
});

test('dms.tls.clientSecret mounts that Secret and points the DMS mTLS settings at it; dms.image reaches the layout', () => {
  const objs = renderChart({
    'dms.tls.clientSecret': 'dpf-provisioning-client-secret',
    'dms.image': 'nvcr.example/dms:2.9',
  });
  const e = envOf(objs);
  expect(e.get('XPUFLOW_DMS_TLS_CA_CERT_PATH')).toBe('/etc/xpuflow/dms-tls/ca.crt');
  expect(e.get('XPUFLOW_DMS_TLS_CLIENT_CERT_PATH')).toBe('/etc/xpuflow/dms-tls/tls.crt');
  expect(e.get('XPUFLOW_DMS_TLS_CLIENT_KEY_PATH')).toBe('/etc/xpuflow/dms-tls/tls.key');
  const spec = controlWorker(objs).spec.template.spec;
  expect(spec.volumes).toContainEqual({
    name: 'dms-tls',
    secret: { secretName: 'dpf-provisioning-client-secret' },
  });
  expect(spec.containers[0].volumeMounts).toContainEqual({
    name: 'dms-tls',
    mountPath: '/etc/xpuflow/dms-tls',
    readOnly: true,
  });
  const layout = parseDmsPodLayout(e.get('XPUFLOW_DMS_POD') ?? '');
  expect(layout.image).toBe('nvcr.example/dms:2.9');
  expect(JSON.parse(e.get('XPUFLOW_DMS_POD') ?? '{}').tls.clientSecret).toBeUndefined();
});

describe('values.schema.json refuses a DMS pod that cannot run, naming the value', () => {
  function renderWith(values: string): { status: number | null; stderr: string } {
    const file = path.join(tmp, `values-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, values);
    const r = helm(['template', 'xpuflow', CHART, '-f', file]);
    return { status: r.status, stderr: r.stderr };
  }

  test('an image without a tag', () => {
    const r = renderWith('dms:\n  image: example.com/hostdriver\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/at '\/dms\/image'/);
  });

  test('a hostPath of an unknown type and a client Secret that is not a Secret name', () => {
    const r = renderWith(
      [
        'dms:',
        '  volumes:',
        '    - { name: dev, mountPath: /dev, hostPath: { path: /dev, type: Whatever } }',
        '  tls:',
        '    clientSecret: Not_A_Name',
        '',
      ].join('\n'),
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/dms\/volumes\/0\/hostPath\/type/);
    expect(r.stderr).toMatch(/\/dms\/tls\/clientSecret/);
  });
});
