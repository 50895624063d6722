/**
 * A Prometheus `/metrics` endpoint for a process that runs no Temporal worker
 * (the controller): a few gauges, each read when Prometheus scrapes, written in
 * the text exposition format 0.0.4 (prometheus/docs
 * content/docs/instrumenting/exposition_formats.md @005490b8f7f8decd77d847a6b90706272f7ad978:
 * `# HELP`, `# TYPE`, then `name{label="value"} number`, label values escaped
 * for `\`, `"` and newline). The workers' endpoint is the Temporal SDK's own
 * exporter (runtime.ts); this one serves the same format without starting a
 * Core runtime in a process that only needs a client.
 */
import * as http from 'node:http';
import { checkMetricsAddress } from './runtime';

export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

export interface Gauge {
  name: string;
  help: string;
  /** Read at each scrape; no sample, no line. */
  read: () => GaugeSample[];
}

export interface GaugeEndpoint {
  /** host:port it listens on (the port the OS gave for port 0). */
  address: string;
  close: () => Promise<void>;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The exposition text of the gauges, as Prometheus parses it. */
export function exposition(gauges: readonly Gauge[]): string {
  const out: string[] = [];
  for (const g of gauges) {
    out.push(`# HELP ${g.name} ${escapeHelp(g.help)}`, `# TYPE ${g.name} gauge`);
    for (const s of g.read()) {
      const labels = Object.entries(s.labels)
        .filter(([, v]) => v !== '')
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      out.push(`${g.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Listens on `address` (host:port) and serves the gauges at /metrics. */
export async function startGaugeEndpoint(address: string, gauges: readonly Gauge[]): Promise<GaugeEndpoint> {
  const bad = checkMetricsAddress(address);
  if (bad) throw new Error(bad);
  const cut = address.lastIndexOf(':');
  const host = address.slice(0, cut);
  const port = Number(address.slice(cut + 1));
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n');
      return;
    }
    let body: string;
    try {
      body = exposition(gauges);
    } catch (err) {
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`reading the gauges failed: ${(err as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `metrics address ${address} cannot be listened on (${err.code ?? err.message}): choose a free port`,
          { cause: err },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const actual = typeof bound === 'object' && bound ? `${host}:${bound.port}` : address;
  return {
    address: actual,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
