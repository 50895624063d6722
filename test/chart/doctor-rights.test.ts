/**
 * `xpuflow doctor` checks the rights the chart's RBAC grants (cli/doctor/required-rights.ts)
 * and the resources its CRDs serve (model/resources/common.ts Plural, VERSION): both lists
 * are held to the chart here, so a rule or CRD added to the chart is one doctor checks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { requiredRights, rightName, type RightScope } from '../../cli/doctor/required-rights';
import { GROUP, Plural, VERSION } from '../../model/resources/common';
import { CHART, renderChart, type K8sObject } from './helm';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const rendered = renderChart();
const rulesOf = (kind: string, name: string): Rule[] => {
  const o = rendered.find((x) => x.kind === kind && x.metadata.name === name) as
    (K8sObject & { rules: Rule[] }) | undefined;
  if (!o) throw new Error(`the chart renders no ${kind} ${name}`);
  return o.rules;
};
const names = (rules: Rule[], scope: RightScope) =>
  requiredRights(rules.map((r) => ({ ...r, scope })))
    .map((r) => `${r.scope} ${rightName(r)}`)
    .sort();

test("doctor's rights are the chart's: the ClusterRole, the Secrets Role and the leader-election Role", () => {
  const chart = [
    ...names(rulesOf('ClusterRole', 'xpuflow'), 'cluster'),
    ...names(rulesOf('Role', 'xpuflow-secrets'), 'watch-namespace'),
    ...names(rulesOf('Role', 'xpuflow-leader-election'), 'lease-namespace'),
  ].sort();
  expect(
    requiredRights()
      .map((r) => `${r.scope} ${rightName(r)}`)
      .sort(),
  ).toEqual(chart);
});

test("the host worker's rights are among them (doctor checks the controllers' identity, the wider one)", () => {
  const cluster = new Set(names(rulesOf('ClusterRole', 'xpuflow'), 'cluster'));
  const host = names(rulesOf('ClusterRole', 'xpuflow-host-worker'), 'cluster');
  expect(host.length).toBeGreaterThan(0);
  expect(host.filter((h) => !cluster.has(h))).toEqual([]);
});

test("the resources doctor wants served are the chart's CRDs, at the version they serve", () => {
  const dir = path.join(CHART, 'crds');
  const crds = fs.readdirSync(dir).map(
    (f) =>
      parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        spec: {
          group: string;
          names: { plural: string };
          versions: Array<{ name: string; served: boolean }>;
        };
      },
  );
  expect(crds.map((c) => c.spec.names.plural).sort()).toEqual(Object.values(Plural).sort());
  for (const c of crds) {
    expect(c.spec.group).toBe(GROUP);
    expect(c.spec.versions.filter((v) => v.served).map((v) => v.name)).toContain(VERSION);
  }
});
