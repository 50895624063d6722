/**
 * The first step of a probe: does anything speak TLS at address:port, and
 * with which certificate? An empty address costs one refused (or timed-out)
 * connect and nothing else. Discovery meets BMCs it has never seen, so it
 * cannot pin a certificate beforehand: it reads the leaf certificate's
 * SHA-256 here, without sending anything, and pins that for the rest of the
 * probe (the Redfish client refuses any other certificate before a
 * credential is sent). The fingerprint is recorded on the DPUDevice
 * (status.bmcCertSha256) for the install path to pin later.
 */
import crypto from 'node:crypto';
import tls from 'node:tls';

export type Peek = { kind: 'closed' } | { kind: 'notTls'; why: string } | { kind: 'tls'; certSha256: string };

export function peekCertificate(address: string, port: number, timeoutMs: number): Promise<Peek> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const socket = tls.connect({ host: address, port, rejectUnauthorized: false, servername: undefined });
    const done = (p: Peek) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(p);
    };
    socket.setTimeout(timeoutMs, () =>
      done(
        connected ? { kind: 'notTls', why: `no TLS handshake within ${timeoutMs} ms` } : { kind: 'closed' },
      ),
    );
    socket.once('connect', () => (connected = true));
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate()?.raw;
      done(
        raw
          ? { kind: 'tls', certSha256: crypto.createHash('sha256').update(raw).digest('hex') }
          : { kind: 'notTls', why: 'the TLS peer presented no certificate' },
      );
    });
    // Refused or unreachable before a connection: nothing listens there. After it: not a TLS service.
    socket.once('error', (err) =>
      done(connected ? { kind: 'notTls', why: err.message } : { kind: 'closed' }),
    );
  });
}
