/**
 * The BMC simulator's certificates: a leaf for an address, signed by the
 * process's CA, and no key left on disk afterwards (the demo's simulator is
 * stopped by a signal, when no exit hook runs).
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

test('a leaf names its address, is signed by the CA it returns, and leaves nothing in the temporary directory', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bmc-sim-certs-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { makeBmcCertificate } = require('../../sim/bmc/certs') as typeof import('../../sim/bmc/certs');
      const first = makeBmcCertificate('127.0.0.1');
      const second = makeBmcCertificate('bmc-7.example');
      const ca = new X509Certificate(first.caPem);
      for (const leaf of [first, second]) {
        const cert = new X509Certificate(leaf.certPem);
        expect(cert.verify(ca.publicKey)).toBe(true);
        expect(leaf.caPem).toBe(first.caPem);
      }
      expect(new X509Certificate(first.certPem).subjectAltName).toBe('IP Address:127.0.0.1');
      expect(new X509Certificate(second.certPem).subjectAltName).toBe('DNS:bmc-7.example');
    });
    expect(fs.readdirSync(tmp)).toEqual([]);
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
