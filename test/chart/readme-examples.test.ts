/**
 * The README's custom-resource examples against the CRD schemas: every
 * example object has only fields the schema declares, of the declared type,
 * with required fields present and enums, patterns and bounds respected. (The
 * CEL rules are the API server's; the examples were also created on a real
 * kube-apiserver when written.) Catches a README left behind by a renamed field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART, REPO } from './helm';

interface Schema {
  type?: string;
  'x-kubernetes-int-or-string'?: boolean;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
}

/** Problems of value against schema, each naming the field. */
function check(value: unknown, s: Schema, at: string): string[] {
  const out: string[] = [];
  const t = Array.isArray(value) ? 'array' : typeof value;
  if (s['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || Number.isInteger(value)))
      out.push(`${at}: want int or string, got ${t}`);
    return out;
  }
  if (s.type === 'integer' ? !Number.isInteger(value) : s.type !== (t === 'number' ? 'number' : t)) {
    return [`${at}: want ${s.type}, got ${JSON.stringify(value)}`];
  }
  if (s.enum && !s.enum.includes(value))
    out.push(`${at}: ${JSON.stringify(value)} not one of ${s.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (s.pattern && !new RegExp(s.pattern).test(value))
      out.push(`${at}: ${value} does not match ${s.pattern}`);
    if (s.maxLength !== undefined && value.length > s.maxLength)
      out.push(`${at}: longer than ${s.maxLength}`);
    if (s.minLength !== undefined && value.length < s.minLength)
      out.push(`${at}: shorter than ${s.minLength}`);
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) out.push(`${at}: ${value} < ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) out.push(`${at}: ${value} > ${s.maximum}`);
  }
  if (Array.isArray(value) && s.items)
    value.forEach((v, i) => out.push(...check(v, s.items as Schema, `${at}[${i}]`)));
  if (t === 'object' && !Array.isArray(value) && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in obj)) out.push(`${at}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      const sub =
        s.properties?.[k] ??
        (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (sub) out.push(...check(v, sub, `${at}.${k}`));
      else if (s.properties && at !== '.metadata') out.push(`${at}.${k}: not in the schema`);
    }
  }
  return out;
}

function readmeExamples(): Array<{ kind: string } & Record<string, unknown>> {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('## Custom resources');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README: no yaml block under "## Custom resources"');
  return parseAllDocuments(block).map((d) => d.toJS() as { kind: string } & Record<string, unknown>);
}

function crdSchemas(): Map<string, Schema> {
  const dir = path.join(CHART, 'crds');
  const m = new Map<string, Schema>();
  for (const f of fs.readdirSync(dir)) {
    const crd = parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))[0].toJS() as {
      spec: { names: { kind: string }; versions: Array<{ schema: { openAPIV3Schema: Schema } }> };
    };
    m.set(crd.spec.names.kind, crd.spec.versions[0].schema.openAPIV3Schema);
  }
  return m;
}

test('the README shows one valid example of every kind', () => {
  const schemas = crdSchemas();
  const examples = readmeExamples();
  expect(examples.map((e) => e.kind).sort()).toEqual([...schemas.keys()].sort());
  for (const e of examples) {
    expect(e.apiVersion).toBe('provisioning.xpuflow.dev/v1alpha1');
    expect({ kind: e.kind, problems: check(e, schemas.get(e.kind) as Schema, '') }).toEqual({
      kind: e.kind,
      problems: [],
    });
  }
});

test('the checker itself catches a wrong field, type, pattern and bound', () => {
  const dpu = crdSchemas().get('DPU') as Schema;
  const bad = {
    apiVersion: 'provisioning.xpuflow.dev/v1alpha1',
    kind: 'DPU',
    metadata: { name: 'x' },
    spec: {
      nodeName: 'n',
      pciAddress: '03:00.0',
      bfb: 'b',
      numVfs: 300,
      nodeEfect: {},
      automaticReboot: 'yes',
    },
  };
  expect(check(bad, dpu, '').sort()).toEqual(
    [
      '.spec.pciAddress: 03:00.0 does not match ^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$',
      '.spec.numVfs: 300 > 255',
      '.spec.nodeEfect: not in the schema',
      '.spec.automaticReboot: want boolean, got "yes"',
    ].sort(),
  );
});
