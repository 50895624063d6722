/**
 * What the Temporal server was asked to do over a span, from its Prometheus
 * /metrics (the dev server's --metrics-port): requests by operation
 * (`service_requests`, frontend and internal APIs) and persistence requests by
 * operation (`persistence_requests`, the SQLite writes and reads behind them).
 * Both are counters of the server (temporalio/temporal, common/metrics/metric_defs.go:
 * ServiceRequests "service_requests", PersistenceRequests "persistence_requests").
 */

export type Counters = Map<string, number>;

/** Sums of `service_requests` and `persistence_requests` by their `operation` label. */
export async function readServerCounters(metricsUrl: string): Promise<Counters> {
  const res = await fetch(metricsUrl);
  if (!res.ok)
    throw new Error(`GET ${metricsUrl}: HTTP ${res.status}; is the dev server's --metrics-port right?`);
  const out: Counters = new Map();
  for (const line of (await res.text()).split('\n')) {
    const m = /^(service_requests|persistence_requests)\{([^}]*)\}\s+([0-9.e+]+)/.exec(line);
    if (!m) continue;
    const op = /operation="([^"]*)"/.exec(m[2])?.[1] ?? '?';
    const key = `${m[1] === 'service_requests' ? 'rpc' : 'db'} ${op}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[3]));
  }
  return out;
}

/** The counters' growth from `before` to `after`, per `per` (`unit`s: provisioned DPUs, flows), largest first, the top `n` of each kind. */
export function countersReport(
  before: Counters,
  after: Counters,
  per: number,
  n = 12,
  unit = 'provisioned DPU',
): string[] {
  const grown = [...after]
    .map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / Math.max(1, per)] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1]);
  const lines: string[] = [];
  for (const kind of ['rpc', 'db']) {
    const rows = grown.filter(([k]) => k.startsWith(`${kind} `));
    const total = rows.reduce((s, [, v]) => s + v, 0);
    lines.push(
      `  ${kind === 'rpc' ? 'server requests' : 'persistence requests'} per ${unit}: ${total.toFixed(1)}; ` +
        rows
          .slice(0, n)
          .map(([k, v]) => `${k.slice(kind.length + 1)} ${v.toFixed(1)}`)
          .join(', '),
    );
  }
  return lines;
}
