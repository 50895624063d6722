/**
 * Many BlueField BMC simulators (sim/bmc) in a process of their own
 * (child-process.ts), for bench/dpu-discovery.ts. Each simulator listens on
 * 127.0.0.1 at a port of its own; in front of it, on the address the scan
 * probes (`host:port`), a TCP pass-through in this process counts the
 * connections open at once (TLS stays end to end, so the scan pins the
 * simulator's own certificate). Ready line: the stats URL, where GET /stats
 * answers {"open","peak","total"} for all the simulators together.
 */
import http from 'node:http';
import net from 'node:net';
import { startBmcSim, type BmcSim } from '../sim/bmc';
import { serveUntilStopped } from './child-process';

export interface BmcSimProcessOptions {
  bmcs: Array<{ host: string; serial: string }>;
  port: number;
  username: string;
  password: string;
}

serveUntilStopped(async (opts: BmcSimProcessOptions) => {
  const counts = { open: 0, peak: 0, total: 0 };
  const sims: BmcSim[] = [];
  const fronts: net.Server[] = [];
  for (const b of opts.bmcs) {
    const sim = await startBmcSim({
      ...b,
      host: '127.0.0.1',
      port: 0,
      username: opts.username,
      password: opts.password,
    });
    sims.push(sim);
    const front = net.createServer((inbound) => {
      counts.open++;
      counts.total++;
      counts.peak = Math.max(counts.peak, counts.open);
      const outbound = net.connect({ host: '127.0.0.1', port: sim.port });
      inbound.pipe(outbound).pipe(inbound);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        counts.open--;
        inbound.destroy();
        outbound.destroy();
      };
      // A reset from either side ends both (the scan's refused or timed-out probes are its own business).
      inbound.on('error', close).on('close', close);
      outbound.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.listen(opts.port, b.host, () => resolve());
    });
    fronts.push(front);
  }
  const stats = http.createServer((req, res) => {
    if (req.url !== '/stats') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
  });
  await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', () => resolve()));
  const { port } = stats.address() as net.AddressInfo;
  return {
    ready: { statsUrl: `http://127.0.0.1:${port}/stats` },
    stop: async () => {
      stats.close();
      for (const f of fronts) f.close();
      await Promise.all(sims.map((s) => s.stop()));
    },
  };
});
