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

/**
 * The counters' growth from `before` to `after` per `per` `unit`s (provisioned DPUs, flows, DPUs
 * updated), of the keys that start with `prefix` (shown without it), largest first: the total, then
 * the top `n`.
 */
export function growthLine(
  before: Counters,
  after: Counters,
  per: number,
  unit: string,
  n = 12,
  prefix = '',
): string {
  const rows = [...after]
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => [k.slice(prefix.length), (v - (before.get(k) ?? 0)) / Math.max(1, per)] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, v]) => sum + v, 0);
  return (
    `${total.toFixed(1)} per ${unit}; ` +
    rows
      .slice(0, n)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')
  );
}

/** The server's requests and persistence requests over a span (growthLine of each kind). */
export function countersReport(
  before: Counters,
  after: Counters,
  per: number,
  n = 12,
  unit = 'provisioned DPU',
): string[] {
  return [
    `  server requests: ${growthLine(before, after, per, unit, n, 'rpc ')}`,
    `  persistence requests: ${growthLine(before, after, per, unit, n, 'db ')}`,
  ];
}
