/**
 * Certificate pinning: a BMC whose certificate is not the pinned one is refused after the handshake and
 * before the client writes a single byte of HTTP (so no credential ever leaves); a BMC that never
 * finishes the handshake is Unavailable within the timeout.
 */
import net from 'node:net';
import tls from 'node:tls';
import { openRedfish } from '../../activities/redfish/client';
import { TestPkiPair } from './redfish-test-bmc';
import { redfishFailure } from '../support/redfish-failure';

const cred = { username: 'root', password: 'secret-password' };

/** A TLS server that records every byte a client sends after the handshake. */
async function recordingTlsServer(pki: TestPkiPair) {
  const received: Buffer[] = [];
  let connections = 0;
  const server = tls.createServer(pki.tlsOptions(), (socket) => {
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined); // the client hangs up on a mismatch: expected here
  });
  server.on('connection', () => connections++); // TCP accepted (TLS 1.3 may not report the handshake's end)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    bytes: () => Buffer.concat(received).length,
    connections: () => connections,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('Redfish client certificate pinning', () => {
  const pki = new TestPkiPair();
  afterAll(() => pki.pki.dispose());

  test('a CA pin the BMC certificate does not chain to: CertificateMismatch, and not one byte written', async () => {
    const server = await recordingTlsServer(pki);
    try {
      const err = await redfishFailure(openRedfish({ address: server.address, caPem: pki.otherPem }, cred));
      expect(err.kind).toBe('CertificateMismatch');
      expect(err.message).toContain(
        `BMC https://${server.address} presented a certificate that does not match`,
      );
      expect(err.message).toContain('nothing was sent');
      await new Promise((r) => setTimeout(r, 100));
      expect(server.connections()).toBe(1);
      expect(server.bytes()).toBe(0);
    } finally {
      await server.stop();
    }
  });

  test('a wrong leaf SHA-256 beside the right CA: refused, nothing written', async () => {
    const server = await recordingTlsServer(pki);
    try {
      const err = await redfishFailure(
        openRedfish({ address: server.address, caPem: pki.caPem, certSha256: 'ab'.repeat(32) }, cred),
      );
      expect(err.kind).toBe('CertificateMismatch');
      expect(err.message).toContain(`pinned ${'ab'.repeat(32)}`);
      await new Promise((r) => setTimeout(r, 100));
      expect(server.bytes()).toBe(0);
    } finally {
      await server.stop();
    }
  });

  test('the right CA but a certificate for another name: refused (the CA pin checks the host too)', async () => {
    const server = await recordingTlsServer(pki);
    try {
      const port = server.address.split(':')[1];
      const err = await redfishFailure(openRedfish({ address: `localhost:${port}`, caPem: pki.caPem }, cred));
      expect(err.kind).toBe('CertificateMismatch');
      expect(err.message).toMatch(/not issued for this host by the pinned CA: ERR_TLS_CERT_ALTNAME_INVALID/);
      expect(server.bytes()).toBe(0);
    } finally {
      await server.stop();
    }
  });

  test('no pin and a certificate the system CAs do not trust: refused, never sent insecurely', async () => {
    const server = await recordingTlsServer(pki);
    try {
      const err = await redfishFailure(openRedfish({ address: server.address }, cred));
      expect(err.kind).toBe('CertificateMismatch');
      expect(err.message).toContain('not trusted by the system CAs and no CA or certificate is pinned');
      expect(server.bytes()).toBe(0);
    } finally {
      await server.stop();
    }
  });

  test('a BMC that accepts TCP but never completes TLS: Unavailable after timeoutMs, naming the BMC', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const err = await redfishFailure(
        openRedfish({ address: `127.0.0.1:${port}`, caPem: pki.caPem }, cred, { timeoutMs: 300 }),
      );
      expect(err.kind).toBe('Unavailable');
      expect(err.message).toContain(
        `BMC https://127.0.0.1:${port} did not complete a TLS handshake within 300 ms`,
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('an AbortSignal ends a request that hangs: Unavailable "aborted", at once', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    try {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      const started = Date.now();
      const err = await redfishFailure(
        openRedfish({ address: `127.0.0.1:${port}`, caPem: pki.caPem }, cred, {
          timeoutMs: 30_000,
          signal: abort.signal,
        }),
      );
      expect(err.kind).toBe('Unavailable');
      expect(err.message).toContain(`request to BMC https://127.0.0.1:${port} aborted`);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('nothing listening: Unavailable naming the address and the refusal', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await redfishFailure(
      openRedfish({ address: `https://127.0.0.1:${port}`, caPem: pki.caPem }, cred),
    );
    expect(err.kind).toBe('Unavailable');
    expect(err.message).toContain(`cannot reach BMC https://127.0.0.1:${port}: ECONNREFUSED`);
  });
});
