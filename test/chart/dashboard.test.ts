/**
 * The Grafana dashboard in the chart: every query parses (promtool, the real
 * PromQL parser: each becomes a recording rule of a rules file it checks) and
 * names only series xpuflow's workers export; the panels the issue asks for
 * are there; the ConfigMap carries the file as it is.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { EXPORTED_SERIES, seriesIn } from '../support/exported-series';
import { requirePrerequisites } from '../support/prerequisites';
import { promtool } from '../support/prometheus-tools';
import { REPO, renderChart } from './helm';

const FILE = path.join(REPO, 'charts', 'xpuflow', 'dashboards', 'xpuflow.json');

interface Panel {
  title: string;
  targets: Array<{ expr: string; refId: string }>;
}
const dashboard = JSON.parse(fs.readFileSync(FILE, 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
};
const queries = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));

test('the panels: fleet by phase, flash throughput, rollouts, attach latency, worker health', () => {
  const titles = dashboard.panels.map((p) => p.title);
  for (const t of [
    'Fleet by phase',
    'Flash throughput',
    "Rollouts' progress",
    'VF attach latency',
    'Workers up',
  ])
    expect(titles).toContain(t);
  expect(new Set(dashboard.panels.map((p) => (p as unknown as { id: number }).id)).size).toBe(titles.length);
});

test('every query names only series xpuflow exports', () => {
  expect(queries.length).toBeGreaterThan(10);
  const unknown = queries.flatMap((q) =>
    seriesIn(q.expr)
      .filter((s) => !EXPORTED_SERIES.has(s))
      .map((s) => `${q.panel}: ${s}`),
  );
  expect(unknown).toEqual([]);
  for (const q of queries) expect([q.panel, seriesIn(q.expr).length]).not.toEqual([q.panel, 0]);
});

test('the series check itself tells a name xpuflow does not export', () => {
  expect(seriesIn('sum(rate(xpuflow_flash_bytes_total[5m])) / up{job="x"}')).toEqual([
    'xpuflow_flash_bytes_total',
    'up',
  ]);
  expect(EXPORTED_SERIES.has('xpuflow_flash_bytes_total')).toBe(false);
  expect(seriesIn('count by (phase) (xpuflow_dpu_phase_start_time_seconds{phase="temporal_x"})')).toEqual([
    'xpuflow_dpu_phase_start_time_seconds',
  ]);
});

test('the ConfigMap for the Grafana sidecar carries the dashboard file', () => {
  expect(
    renderChart().filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard')),
  ).toEqual([]);
  const cm = renderChart({ 'dashboard.configMap.enabled': 'true' }).find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard'),
  ) as { metadata: { labels: Record<string, string> }; data: Record<string, string> } | undefined;
  expect(cm?.metadata.labels.grafana_dashboard).toBe('1');
  expect(JSON.parse(cm!.data['xpuflow.json'])).toEqual(dashboard);
});

describe('with promtool', () => {
  const { test } = requirePrerequisites('the dashboard query check', ['prometheus']);

  test('every query parses (promtool check rules)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dashboard-'));
    try {
      const file = path.join(dir, 'queries.yaml');
      const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
      fs.writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const r = spawnSync(promtool(), ['check', 'rules', file], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`promtool refused a dashboard query:\n${r.stdout}${r.stderr}`);
      expect(r.stdout).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
