/** Free TCP ports on loopback, for the private servers the tests and the benchmark start. */
import fs from 'node:fs';
import net from 'node:net';

/** Ports this process handed out: never handed out twice, so two servers of one test never get the same one. */
const given = new Set<number>();

/**
 * A TCP port nobody listens on right now, on 127.0.0.1. Another process (another
 * jest worker, a client's ephemeral port) may still take it before the server
 * that is given it binds: servers started on it check they got it
 * (listensOn) and pick again when the bind fails ("address already in use").
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    if (given.has(port)) continue;
    given.add(port);
    return port;
  }
}

/** The kernel's ephemeral port range (ports it gives clients and port-0 servers). */
function ephemeralRange(): [number, number] {
  const [low, high] = fs
    .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  return [low, high];
}

/** Whether nothing listens on `port` on any address (a wildcard bind succeeds). */
function wildcardFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive TCP ports below the kernel's ephemeral range that nobody
 * listens on, for servers that bind them long after the pick (the kube
 * harness's DMS port, shared by every simulated host on its own loopback
 * address): a port from the ephemeral range (freePort) can meanwhile become a
 * client's or a port-0 server's, and a wildcard listener on it makes the later
 * bind fail with "address already in use". Below the range only an explicit
 * bind takes it.
 */
export async function freePortBelowEphemeral(count = 1): Promise<number> {
  const [low] = ephemeralRange();
  const floor = 10000;
  if (low - floor < 1000)
    throw new Error(`ephemeral port range starts at ${low}: no room below it for test servers`);
  for (let tries = 0; tries < 200; tries++) {
    const first = floor + Math.floor(Math.random() * (low - floor - count));
    const ports = Array.from({ length: count }, (_, i) => first + i);
    if (ports.some((p) => given.has(p))) continue;
    if ((await Promise.all(ports.map(wildcardFree))).every(Boolean)) {
      for (const p of ports) given.add(p);
      return first;
    }
  }
  throw new Error(`no ${count} free consecutive ports between ${floor} and ${low} after 200 tries`);
}

/**
 * Whether process `pid` holds a TCP socket listening on `port` (any address): the
 * socket's inode, from /proc/net/tcp and tcp6, among the process's open files.
 * Linux only; it tells a server that bound its port from another process that had it first.
 */
export function listensOn(pid: number, port: number): boolean {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // no IPv6 on this host
      throw err;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode; st 0A is LISTEN
      if (f.length < 10 || f[3] !== '0A') continue;
      if (parseInt(f[1].split(':')[1], 16) === port) inodes.add(f[9]);
    }
  }
  if (!inodes.size) return false;
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // the process has exited
    throw err;
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // closed while we looked
      throw err;
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m && inodes.has(m[1])) return true;
  }
  return false;
}
