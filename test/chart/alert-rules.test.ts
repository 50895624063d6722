/**
 * The alert rules: the chart's PrometheusRule and the plain rules file are the
 * same rules (scripts/render-alert-rules.sh writes the file from the
 * template), the limits come from values, and a real promtool (Debian's
 * prometheus package, scripts/ensure-prometheus.sh) checks the file and runs
 * the unit tests of test/alerts/, which cover every rule.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { EXPORTED_SERIES, seriesIn } from '../support/exported-series';
import { requirePrerequisites } from '../support/prerequisites';
import { promtool } from '../support/prometheus-tools';
import { REPO, helm, renderChart, REQUIRED_VALUES, CHART } from './helm';

const RULES_FILE = path.join(REPO, 'charts', 'xpuflow', 'alerts', 'xpuflow-rules.yaml');
const UNIT_TESTS = path.join(REPO, 'test', 'alerts', 'xpuflow-rules.test.yaml');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface RuleGroups {
  groups: Array<{ name: string; rules: Rule[] }>;
}

function renderedRules(set: Record<string, string> = {}): RuleGroups {
  const objs = renderChart({ 'alerts.prometheusRule.enabled': 'true', ...set });
  const rule = objs.find((o) => o.kind === 'PrometheusRule');
  if (!rule) throw new Error('alerts.prometheusRule.enabled=true rendered no PrometheusRule');
  expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
  return rule.spec as RuleGroups;
}

const rulesOf = (g: RuleGroups) => g.groups.flatMap((x) => x.rules);
/** A rule's identity: its alert name and, for the per-phase rules, the phase. */
function idOf(alert: string, phase: string | undefined): string {
  return alert === 'XpuflowDpuPhaseStuck' ? `${alert} {phase=${phase}}` : alert;
}

test('no PrometheusRule unless asked (it needs the Prometheus Operator CRD)', () => {
  expect(renderChart().filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
});

test('the plain rules file is the PrometheusRule rendered with the default values', () => {
  const file = parse(fs.readFileSync(RULES_FILE, 'utf8')) as RuleGroups;
  if (JSON.stringify(file) !== JSON.stringify(renderedRules()))
    throw new Error(
      `${path.relative(REPO, RULES_FILE)} differs from the chart's rules: run scripts/render-alert-rules.sh`,
    );
  const names = rulesOf(file).map((r) => r.alert);
  for (const a of [
    'XpuflowControllerNoLeader',
    'XpuflowDpuPhaseStuck',
    'XpuflowDpuInError',
    'XpuflowRolloutStopped',
    'XpuflowWorkerDown',
    'XpuflowTaskScheduleToStartSlow',
  ])
    expect(names).toContain(a);
});

test('limits and the PrometheusRule labels come from values', () => {
  const g = renderedRules({
    'alerts.limits.osInstalling': '2m',
    'alerts.limits.error': '90s',
    'alerts.limits.workerDown': '1m',
    'alerts.prometheusRule.labels.release': 'kube-prometheus-stack',
  });
  const rules = rulesOf(g);
  const os = rules.find((r) => r.labels.phase === 'OS Installing')!;
  expect(os.expr).toContain('phase="OS Installing"} > 0)');
  expect(os.expr).toMatch(/\) < time\(\) - 120$/);
  expect(os.annotations.summary).toContain('(limit 2m)');
  expect(rules.find((r) => r.alert === 'XpuflowDpuInError')!.expr).toMatch(/< time\(\) - 90$/);
  expect(rules.find((r) => r.alert === 'XpuflowWorkerDown')!.for).toBe('1m');
  const obj = renderChart({
    'alerts.prometheusRule.enabled': 'true',
    'alerts.prometheusRule.labels.release': 'kube-prometheus-stack',
  }).find((o) => o.kind === 'PrometheusRule')!;
  expect(obj.metadata.labels?.release).toBe('kube-prometheus-stack');
});

test('the control and host workers and the controller serve /metrics on the port the PodMonitor scrapes, whose job the rules match', () => {
  const objs = renderChart({ 'metrics.podMonitor.enabled': 'true' });
  for (const name of ['xpuflow-control-worker', 'xpuflow-host-worker']) {
    const w = objs.find(
      (o) => o.metadata.name === name && (o.kind === 'Deployment' || o.kind === 'DaemonSet'),
    ) as unknown as {
      spec: {
        template: {
          spec: { containers: Array<{ ports?: unknown[]; env?: Array<{ name: string; value?: string }> }> };
        };
      };
    };
    const [c] = w.spec.template.spec.containers;
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(c.env?.find((e) => e.name === 'XPUFLOW_METRICS_ADDRESS')?.value).toBe('0.0.0.0:9464');
  }
  // The controller's endpoint is its own port (leader gauges), scraped by the same PodMonitor.
  const ctl = objs.find(
    (o) => o.metadata.name === 'xpuflow-controller' && o.kind === 'Deployment',
  ) as unknown as {
    spec: {
      template: {
        spec: { containers: Array<{ ports?: unknown[]; env?: Array<{ name: string; value?: string }> }> };
      };
    };
  };
  const [cc] = ctl.spec.template.spec.containers;
  expect(cc.ports).toEqual([{ name: 'metrics', containerPort: 9465, protocol: 'TCP' }]);
  expect(cc.env?.find((e) => e.name === 'XPUFLOW_CONTROLLER_METRICS_ADDRESS')?.value).toBe('0.0.0.0:9465');
  const pm = objs.find((o) => o.kind === 'PodMonitor')!;
  expect(pm.spec).toMatchObject({ podMetricsEndpoints: [{ port: 'metrics' }] });
  expect(JSON.stringify(pm.spec)).toContain('"values":["control-worker","host-worker","controller"]');
  // The Operator names a PodMonitor's job "<namespace>/<name>": the worker-down rule must match it.
  const job = `${pm.metadata.namespace}/${pm.metadata.name}`;
  const down = rulesOf(renderedRules()).find((r) => r.alert === 'XpuflowWorkerDown')!;
  const regex = /job=~"([^"]+)"/.exec(down.expr)![1];
  expect(new RegExp(`^(?:${regex})$`).test(job)).toBe(true);
  const off = renderChart({ 'metrics.enabled': 'false' }).find(
    (o) => o.metadata.name === 'xpuflow-control-worker',
  );
  expect(JSON.stringify(off)).not.toContain('XPUFLOW_METRICS_ADDRESS');
});

test('a limit that is not <n>s, <n>m or <n>h is refused, naming the field', () => {
  const args = ['template', 'xpuflow', CHART, '--set', 'alerts.limits.osInstalling=1d'];
  for (const [k, v] of Object.entries(REQUIRED_VALUES)) args.push('--set', `${k}=${v}`);
  const r = helm(args);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/alerts\.limits\.osInstalling|\/alerts\/limits\/osInstalling/);
});

test('every rule annotates which DPU or node, since when, and the xpuflow command to look closer', () => {
  for (const r of rulesOf(parse(fs.readFileSync(RULES_FILE, 'utf8')) as RuleGroups)) {
    expect([r.alert, r.annotations.command]).toEqual([r.alert, expect.stringMatching(/^xpuflow /)]);
    expect(r.annotations.summary).toBeTruthy();
    expect(r.labels).toMatchObject({
      service: 'xpuflow',
      severity: expect.stringMatching(/^(warning|critical)$/),
    });
    if (r.alert.startsWith('XpuflowDpu'))
      expect(r.annotations.summary).toMatch(
        /\{\{ \$labels\.dpu \}\} on \{\{ \$labels\.node \}\}.* since \{\{ \$value \| humanizeTimestamp \}\}/,
      );
  }
});

test('every rule reads only series xpuflow exports', () => {
  const rules = rulesOf(parse(fs.readFileSync(RULES_FILE, 'utf8')) as RuleGroups);
  expect(
    rules.flatMap((r) =>
      seriesIn(r.expr)
        .filter((s) => !EXPORTED_SERIES.has(s))
        .map((s) => `${r.alert}: ${s}`),
    ),
  ).toEqual([]);
  for (const r of rules) expect([r.alert, seriesIn(r.expr).length]).not.toEqual([r.alert, 0]);
});

describe('with promtool', () => {
  const { test } = requirePrerequisites('the alert rules promtool tests', ['prometheus']);

  test('promtool check rules accepts the plain rules file', () => {
    const r = spawnSync(promtool(), ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test("promtool test rules: with two control workers, the old one-exporter rules fire falsely and the chart's do not", () => {
    const file = path.join(path.dirname(UNIT_TESTS), 'two-control-workers.test.yaml');
    const r = spawnSync(promtool(), ['test', 'rules', path.basename(file)], {
      cwd: path.dirname(file),
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.stdout}${r.stderr}`);
    expect(r.stdout).toContain('SUCCESS');
  });

  test('promtool test rules: the unit tests pass and every rule has one that sees it fire', () => {
    const r = spawnSync(promtool(), ['test', 'rules', path.basename(UNIT_TESTS)], {
      cwd: path.dirname(UNIT_TESTS),
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.stdout}${r.stderr}`);
    expect(r.stdout).toContain('SUCCESS');

    const tests = parse(fs.readFileSync(UNIT_TESTS, 'utf8')) as {
      tests: Array<{
        alert_rule_test?: Array<{
          alertname: string;
          exp_alerts: Array<{ exp_labels: Record<string, string> }>;
        }>;
      }>;
    };
    const seenFiring = new Set<string>();
    for (const t of tests.tests)
      for (const a of t.alert_rule_test ?? [])
        for (const e of a.exp_alerts) seenFiring.add(idOf(a.alertname, e.exp_labels.phase));
    const rules = rulesOf(parse(fs.readFileSync(RULES_FILE, 'utf8')) as RuleGroups).map((x) =>
      idOf(x.alert, x.labels.phase),
    );
    expect(rules.filter((id) => !seenFiring.has(id))).toEqual([]);
  });
});
