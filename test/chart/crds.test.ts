/**
 * Static checks of the CRD files in charts/xpuflow/crds/ (the API server's
 * own validation of them is in the controller tests against a real
 * kube-apiserver): names, scope and versions; structural schemas (every node
 * typed); printer columns that point into the schema; CEL rules with a
 * message naming the field; the DPU's node effect and cluster schemas are the
 * same in the DPUSet template.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART } from './helm';
import { FLAVOR_PATTERNS } from '../../model/dpu-flavor';

interface Schema {
  type?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string; messageExpression?: string }>;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  [k: string]: unknown;
}
interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; listKind: string };
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns?: Array<{ name: string; type: string; jsonPath: string; priority?: number }>;
      schema: { openAPIV3Schema: Schema };
    }>;
  };
}

const DIR = path.join(CHART, 'crds');
const GROUP = 'provisioning.xpuflow.dev';
const EXPECTED: Record<string, string> = {
  BFB: 'bfbs',
  DPUFlavor: 'dpuflavors',
  DPU: 'dpus',
  DPUSet: 'dpusets',
  DPUCluster: 'dpuclusters',
  DPUServiceInterface: 'dpuserviceinterfaces',
  DPUServiceChain: 'dpuservicechains',
  DPUServiceIPAM: 'dpuserviceipams',
  DPUServiceNAD: 'dpuservicenads',
  DPUServiceCredentialRequest: 'dpuservicecredentialrequests',
  DPUService: 'dpuservices',
  DPUDevice: 'dpudevices',
  DPUNode: 'dpunodes',
  DPUDiscovery: 'dpudiscoveries',
  VFClaim: 'vfclaims',
  DPUDeployment: 'dpudeployments',
  DPUServiceTemplate: 'dpuservicetemplates',
  DPUServiceConfiguration: 'dpuserviceconfigurations',
};

function loadCrds(): Map<string, { file: string; crd: Crd }> {
  const out = new Map<string, { file: string; crd: Crd }>();
  for (const file of fs.readdirSync(DIR).sort()) {
    const docs = parseAllDocuments(fs.readFileSync(path.join(DIR, file), 'utf8')).filter(
      (d) => d.contents !== null,
    );
    if (docs.length !== 1) throw new Error(`${file}: want one CRD per file, found ${docs.length} documents`);
    if (docs[0].errors.length > 0)
      throw new Error(`${file}: ${docs[0].errors.map((e) => e.message).join('; ')}`);
    const crd = docs[0].toJS() as Crd;
    out.set(crd.spec.names.kind, { file, crd });
  }
  return out;
}

/** Every schema node below root, with its path (".spec.nodeEffect.taint.key"; "[*]" for items, ".<key>" for map values). */
function walk(root: Schema, at = ''): Array<{ path: string; node: Schema }> {
  const out = [{ path: at, node: root }];
  for (const [k, v] of Object.entries(root.properties ?? {})) out.push(...walk(v, `${at}.${k}`));
  if (root.items) out.push(...walk(root.items, `${at}[*]`));
  if (typeof root.additionalProperties === 'object')
    out.push(...walk(root.additionalProperties, `${at}.<key>`));
  return out;
}

/** The schema node a printer column's JSONPath points at (a filter "[?(...)]" stands for one item). */
function resolve(root: Schema, jsonPath: string): Schema | undefined {
  const steps = jsonPath
    .replace(/\[\?\([^)]*\)\]/g, '.[*]')
    .split('.')
    .filter((s) => s !== '');
  let node: Schema | undefined = root;
  for (const step of steps) {
    if (!node) return undefined;
    node = step === '[*]' ? node.items : node.properties?.[step];
  }
  return node;
}

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const crds = loadCrds();
const schemaOf = (kind: string): Schema => {
  const c = crds.get(kind);
  if (!c) throw new Error(`no CRD of kind ${kind} in ${DIR}`);
  return c.crd.spec.versions[0].schema.openAPIV3Schema;
};

test('one file per kind, exactly the kinds of the issues', () => {
  expect([...crds.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  for (const [kind, { file }] of crds)
    expect({ kind, file }).toEqual({ kind, file: `${GROUP}_${EXPECTED[kind]}.yaml` });
});

describe.each(Object.keys(EXPECTED))('%s', (kind) => {
  const { crd } = crds.get(kind) ?? { crd: undefined as unknown as Crd };

  test('names, group, scope and the one served and stored version v1alpha1 with a status subresource', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    const plural = EXPECTED[kind];
    expect(crd.metadata.name).toBe(`${plural}.${GROUP}`);
    expect(crd.spec.group).toBe(GROUP);
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual({ kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() });
    expect(crd.spec.versions).toHaveLength(1);
    const v = crd.spec.versions[0];
    expect([v.name, v.served, v.storage]).toEqual(['v1alpha1', true, true]);
    expect(v.subresources?.status).toEqual({});
  });

  test('the schema is structural: every node has a type, every default matches it', () => {
    const root = schemaOf(kind);
    expect(root.type).toBe('object');
    for (const { path: p, node } of walk(root)) {
      const typed = typeof node.type === 'string' || node['x-kubernetes-int-or-string'] === true;
      expect({ path: p, typed }).toEqual({ path: p, typed: true });
      if (node.properties) expect({ path: p, type: node.type }).toEqual({ path: p, type: 'object' });
      if (node.items) expect({ path: p, type: node.type }).toEqual({ path: p, type: 'array' });
      for (const r of node.required ?? []) {
        expect({ path: p, required: r, declared: r in (node.properties ?? {}) }).toEqual({
          path: p,
          required: r,
          declared: true,
        });
      }
      if (node.default !== undefined && node.type) {
        const t = typeOf(node.default);
        expect({ path: p, defaultType: t === 'integer' && node.type === 'number' ? 'number' : t }).toEqual({
          path: p,
          defaultType: node.type,
        });
      }
      if (node.pattern) expect(() => new RegExp(node.pattern as string)).not.toThrow();
    }
    expect(Object.keys(root.properties ?? {}).sort()).toEqual([
      'apiVersion',
      'kind',
      'metadata',
      'spec',
      'status',
    ]);
  });

  test('every printer column points at a field of the schema with the same type', () => {
    const root = schemaOf(kind);
    const cols = crd.spec.versions[0].additionalPrinterColumns ?? [];
    expect(cols.map((c) => c.name)).toContain('Age');
    for (const c of cols) {
      if (c.jsonPath === '.metadata.creationTimestamp') {
        expect(c.type).toBe('date');
        continue;
      }
      const node = resolve(root, c.jsonPath);
      expect({ column: c.name, jsonPath: c.jsonPath, found: node !== undefined }).toEqual({
        column: c.name,
        jsonPath: c.jsonPath,
        found: true,
      });
      expect({ column: c.name, type: c.type }).toEqual({ column: c.name, type: node?.type });
    }
  });

  test('every CEL rule carries a message that names the field', () => {
    for (const { path: p, node } of walk(schemaOf(kind))) {
      for (const v of node['x-kubernetes-validations'] ?? []) {
        const msg = v.message ?? v.messageExpression ?? '';
        // ".spec.strategy.rollingUpdate" is named as "spec.strategy.rollingUpdate"; a whole spec by its kind.
        const field = p.replace(/^\./, '').replace(/\[\*\]/g, '');
        const named = msg.includes(field) || msg.includes(`${kind} spec`);
        expect({ path: p, rule: v.rule, msg, named }).toEqual({ path: p, rule: v.rule, msg, named: true });
      }
    }
  });

  test('conditions have the metav1.Condition shape, a map keyed by type', () => {
    const conditions = schemaOf(kind).properties?.status?.properties?.conditions;
    expect(conditions?.['x-kubernetes-list-type']).toBe('map');
    expect(conditions?.['x-kubernetes-list-map-keys']).toEqual(['type']);
    expect(Object.keys(conditions?.items?.properties ?? {}).sort()).toEqual([
      'lastTransitionTime',
      'message',
      'observedGeneration',
      'reason',
      'status',
      'type',
    ]);
    expect(conditions?.items?.properties?.status?.enum).toEqual(['True', 'False', 'Unknown']);
  });
});

test('the DPU immutables and the BFB and DPUFlavor whole-spec rules are transition rules (self == oldSelf)', () => {
  const dpu = schemaOf('DPU').properties?.spec?.properties ?? {};
  for (const f of ['nodeName', 'pciAddress']) {
    expect(dpu[f]['x-kubernetes-validations']?.map((v) => v.rule)).toEqual(['self == oldSelf']);
  }
  expect(schemaOf('BFB').properties?.spec?.['x-kubernetes-validations']).toEqual([
    { rule: 'self == oldSelf', message: 'BFB spec is immutable: create a new BFB' },
  ]);
  expect(schemaOf('DPUFlavor').properties?.spec?.['x-kubernetes-validations']?.map((v) => v.rule)).toEqual([
    'self == oldSelf',
    '!has(self.systemReservedResources) || has(self.dpuResources)',
  ]);
});

test("the DPUFlavor's patterns are the renderer's (model/dpu-flavor.ts FLAVOR_PATTERNS)", () => {
  const spec = schemaOf('DPUFlavor').properties?.spec?.properties ?? {};
  expect({
    bfcfgParameter: spec.bfcfgParameters?.items?.pattern,
    kernelParameter: spec.grub?.properties?.kernelParameters?.items?.pattern,
    sysctlParameter: spec.sysctl?.properties?.parameters?.items?.pattern,
    nvconfigParameter: spec.nvconfig?.items?.properties?.parameters?.items?.pattern,
    configFilePath: spec.configFiles?.items?.properties?.path?.pattern,
    permissions: spec.configFiles?.items?.properties?.permissions?.pattern,
    registryEndpoint: spec.containerdConfig?.properties?.registryEndpoint?.pattern,
  }).toEqual(FLAVOR_PATTERNS);
});

test('the patterns accept what they should and refuse the rest', () => {
  const dpu = schemaOf('DPU').properties?.spec?.properties ?? {};
  const pci = new RegExp(dpu.pciAddress.pattern as string);
  expect(['0000:03:00.0', '0000:3B:00.1', 'abcd:ef:1f.7'].filter((x) => !pci.test(x))).toEqual([]);
  expect(
    ['03:00.0', '0000:03:00.8', '0000:03:00', '0000:003:00.0', ' 0000:03:00.0'].filter((x) => pci.test(x)),
  ).toEqual([]);
  const sha = new RegExp(schemaOf('BFB').properties?.spec?.properties?.sha256.pattern as string);
  expect(sha.test('a'.repeat(64))).toBe(true);
  expect(['A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64)].filter((x) => sha.test(x))).toEqual(
    [],
  );
  const name = new RegExp(dpu.bfb.pattern as string);
  expect(['bf-2.9.1', 'bfb', 'a.b-c'].filter((x) => !name.test(x))).toEqual([]);
  expect(['BFB', 'bf_1', '-a', 'a-', ''].filter((x) => name.test(x))).toEqual([]);
});

test("the DPUSet template's nodeEffect, cluster and installPath are the DPU's (messages aside)", () => {
  const strip = (s: Schema | undefined): unknown =>
    JSON.parse(JSON.stringify(s ?? null, (k, v) => (k === 'message' ? undefined : v)));
  const dpu = schemaOf('DPU').properties?.spec?.properties ?? {};
  const tpl =
    schemaOf('DPUSet').properties?.spec?.properties?.dpuTemplate?.properties?.spec?.properties ?? {};
  expect(strip(tpl.nodeEffect)).toEqual(strip(dpu.nodeEffect));
  expect(strip(tpl.cluster)).toEqual(strip(dpu.cluster));
  for (const f of ['bfb', 'flavor', 'numVfs', 'automaticReboot']) {
    expect({ f, schema: strip({ ...tpl[f], description: undefined }) }).toEqual({
      f,
      schema: strip({ ...dpu[f], description: undefined }),
    });
  }
  // A set's template may also say auto (each DPU it makes then names gnoi or redfish); a DPU or flavor may not.
  expect(tpl.installPath.enum).toEqual([...(dpu.installPath.enum ?? []), 'auto']);
  expect(schemaOf('DPUFlavor').properties?.spec?.properties?.installPath.enum).toEqual(dpu.installPath.enum);
});

test('DPUSet defaults: RollingUpdate with maxUnavailable 1, failure budget 0, not paused, no dry run', () => {
  const spec = schemaOf('DPUSet').properties?.spec?.properties ?? {};
  expect(spec.strategy.default).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
  expect(
    spec.strategy.properties?.rollingUpdate.properties?.maxUnavailable['x-kubernetes-int-or-string'],
  ).toBe(true);
  expect([spec.failureBudget.default, spec.paused.default, spec.dryRun.default]).toEqual([0, false, false]);
});

test("the DPUService's CEL rules: repoURL oci:// or http(s)://, waves end at 100, the canary among the clusters", () => {
  const spec = schemaOf('DPUService').properties?.spec as Schema;
  const repo = spec.properties?.helmChart?.properties?.source?.properties?.repoURL;
  const rule = repo?.['x-kubernetes-validations']?.[0].rule ?? '';
  // The CEL string literal '…' as the RE2 pattern it holds (\\ is one backslash).
  const re = new RegExp(/matches\('(.*)'\)/.exec(rule)![1].replace(/\\\\/g, '\\'));
  expect(
    ['oci://ghcr.io/x/charts', 'https://charts.example', 'http://10.0.0.1:8080/charts'].filter(
      (u) => !re.test(u),
    ),
  ).toEqual([]);
  expect(['ftp://x', 'ghcr.io/x', 'oci://', 'https:// x', ''].filter((u) => re.test(u))).toEqual([]);
  expect(spec.properties?.helmChart?.properties?.values).toMatchObject({
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  });
  expect(spec.properties?.rollout?.properties?.waves?.['x-kubernetes-validations']?.[0].rule).toBe(
    'self[size(self) - 1] == 100',
  );
  expect(spec['x-kubernetes-validations']?.[0].rule).toContain('self.rollout.canary in self.clusters');
});
