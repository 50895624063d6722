/**
 * When a gRPC connection over TLS fails, grpc-js often says only "Failed to
 * connect before the deadline". A plain TLS handshake with the same settings
 * gets the real reason (unknown CA, name mismatch, refused client certificate).
 */
import tls from 'node:tls';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

export async function tlsHandshakeProblem(
  address: string,
  cfg: TLSConfig,
  timeoutMs = 5_000,
  /** true: the probe does not keep the process alive (a check beside a connection, not awaited alone). */
  unref = false,
): Promise<string | undefined> {
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const port = Number(address.split(':').pop());
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      servername: cfg.serverNameOverride ?? (/^[\d.:]+$/.test(host) ? undefined : host),
      ca: cfg.serverRootCACertificate ? [Buffer.from(cfg.serverRootCACertificate)] : undefined,
      cert: cfg.clientCertPair ? Buffer.from(cfg.clientCertPair.crt) : undefined,
      key: cfg.clientCertPair ? Buffer.from(cfg.clientCertPair.key) : undefined,
      ALPNProtocols: ['h2'],
    });
    const done = (problem: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    // A server that refuses the client certificate says so after the handshake, with an alert.
    socket.once('secureConnect', () => {
      const settle = setTimeout(() => done(undefined), 1000);
      if (unref) settle.unref();
    });
    if (unref) {
      timer.unref();
      socket.unref();
    }
    socket.once('error', (err) => done(err.message));
  });
}
