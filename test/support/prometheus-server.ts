/**
 * A real Prometheus for the end-to-end alert test: Debian's binary
 * (scripts/ensure-prometheus.sh), a generated configuration scraping the
 * given targets every second and evaluating the given rules file every
 * second, its own data directory, and its HTTP API
 * (https://prometheus.io/docs/prometheus/latest/querying/api/: /api/v1/alerts,
 * /api/v1/query, /-/ready).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../sim/free-port';
import { prometheus } from './prometheus-tools';

export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

export interface PrometheusServer {
  url: string;
  logFile: string;
  alerts(): Promise<ApiAlert[]>;
  /** An instant query's vector: each sample's labels and value. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  stop(): Promise<void>;
}

export async function startPrometheus(opts: {
  /** job name → host:port targets */
  jobs: Record<string, string[]>;
  /** A Prometheus rules file's content (`groups:`). */
  rules: unknown;
}): Promise<PrometheusServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-prometheus-'));
  const rulesFile = path.join(dir, 'rules.yaml');
  fs.writeFileSync(rulesFile, stringify(opts.rules, { lineWidth: 0 }));
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
      rule_files: [rulesFile],
      scrape_configs: Object.entries(opts.jobs).map(([job, targets]) => ({
        job_name: job,
        static_configs: [{ targets }],
      })),
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(dir, 'prometheus.log');
  const log = fs.openSync(logFile, 'a');
  const proc: ChildProcess = spawn(
    prometheus(),
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const tail = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');

  async function api<T>(p: string): Promise<T> {
    const res = await fetch(`${url}${p}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`GET ${p}: ${body.error ?? res.status}`);
    return body.data;
  }

  const server: PrometheusServer = {
    url,
    logFile,
    alerts: async () => (await api<{ alerts: ApiAlert[] }>('/api/v1/alerts')).alerts,
    query: async (promql) =>
      (
        await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
          `/api/v1/query?query=${encodeURIComponent(promql)}`,
        )
      ).result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) })),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited ${proc.exitCode}:\n${tail()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return server;
    } catch {
      // not listening yet: ECONNREFUSED until its web server starts
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`prometheus on ${url} not ready after 20 s:\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
