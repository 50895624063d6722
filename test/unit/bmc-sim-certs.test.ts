/**
 * The BMC simulator's certificates: a leaf for an address, signed by the
 * process's CA, and no key left on disk afterwards (the demo's simulator is
 * stopped by a signal, when no exit hook runs).
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';

test('a leaf names its address, is signed by the CA it returns, and every temporary directory made for it is gone', () => {
  const made: string[] = [];
  const mkdtemp = fs.mkdtempSync.bind(fs);
  const spy = jest.spyOn(fs, 'mkdtempSync').mockImplementation((prefix, options) => {
    const dir = mkdtemp(prefix, options as fs.ObjectEncodingOptions);
    made.push(String(dir));
    return dir;
  });
  try {
    jest.isolateModules(() => {
      // A fresh module: its CA is made here, not by an earlier test of this worker.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { makeBmcCertificate } = require('../../sim/bmc/certs') as typeof import('../../sim/bmc/certs');
      const first = makeBmcCertificate('127.0.0.1');
      const second = makeBmcCertificate('bmc-7.example');
      const ca = new X509Certificate(first.caPem);
      for (const leaf of [first, second]) {
        expect(new X509Certificate(leaf.certPem).verify(ca.publicKey)).toBe(true);
        expect(leaf.caPem).toBe(first.caPem);
      }
      expect(new X509Certificate(first.certPem).subjectAltName).toBe('IP Address:127.0.0.1');
      expect(new X509Certificate(second.certPem).subjectAltName).toBe('DNS:bmc-7.example');
    });
  } finally {
    spy.mockRestore();
  }
  // The CA's directory and one per leaf.
  expect(made).toHaveLength(3);
  expect(made.filter((dir) => fs.existsSync(dir))).toEqual([]);
});
