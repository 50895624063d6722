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
