/**
 * A TLS-terminating TCP proxy in front of a plaintext Temporal dev server:
 * `temporal server start-dev` has no TLS options, so tests put this in front
 * to check xpuflow's TLS and mTLS client settings against a real handshake
 * (ALPN h2, as gRPC needs). Only on 127.0.0.1.
 */
import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { CertFiles } from './certs';

export interface TlsProxy {
  address: string;
  close(): Promise<void>;
}

export async function startTlsProxy(opts: {
  target: string;
  server: CertFiles;
  /** With a client CA, clients must present a certificate it signed (mTLS). */
  clientCa?: string;
}): Promise<TlsProxy> {
  const [host, port] = [opts.target.replace(/:\d+$/, ''), Number(opts.target.split(':').pop())];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: fs.readFileSync(opts.server.cert),
      key: fs.readFileSync(opts.server.key),
      ALPNProtocols: ['h2'],
      ...(opts.clientCa
        ? { ca: fs.readFileSync(opts.clientCa), requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    (client) => {
      const upstream = net.connect(port, host);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    },
  );
  server.on('tlsClientError', () => undefined); // a refused handshake is what some tests want
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
