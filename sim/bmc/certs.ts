/**
 * The BMC simulator's TLS material: its own CA and a leaf certificate for the
 * address it listens on (subjectAltName IP or DNS), made with openssl at start
 * (argument arrays, no shell) in a private temporary directory, like a real
 * BMC's self-signed certificate but with a CA a client can pin.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface BmcCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** SHA-256 of the leaf certificate's DER, lowercase hex. */
  certSha256: string;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(
      `openssl ${args[0]} failed making the BMC simulator's certificate: ${e.stderr?.toString().trim() || e.message} (is openssl installed?)`,
      { cause: err },
    );
  }
}

/** A fresh CA and a leaf for `host` (an IP address or a DNS name), valid for two days. */
export function makeBmcCertificate(host: string): BmcCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bmc-pki-'));
  try {
    const f = (name: string): string => path.join(dir, name);
    const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl(
      ['req', '-x509', ...ecKey, '-keyout', f('ca.key'), '-out', f('ca.crt')]
        .concat(['-subj', '/O=xpuflow/CN=xpuflow BMC simulator CA', '-days', '2'])
        .concat([
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ]),
    );
    const san = /^[\d.]+$/.test(host) || host.includes(':') ? `IP:${host}` : `DNS:${host}`;
    fs.writeFileSync(
      f('leaf.ext'),
      `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth\n`,
    );
    openssl([
      'req',
      '-new',
      ...ecKey,
      '-keyout',
      f('leaf.key'),
      '-out',
      f('leaf.csr'),
      '-subj',
      `/O=xpuflow/CN=${host}`,
    ]);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        f('leaf.csr'),
        '-CA',
        f('ca.crt'),
        '-CAkey',
        f('ca.key'),
        '-CAcreateserial',
      ].concat(['-out', f('leaf.crt'), '-days', '2', '-extfile', f('leaf.ext')]),
    );
    const certPem = fs.readFileSync(f('leaf.crt'), 'utf8');
    return {
      caPem: fs.readFileSync(f('ca.crt'), 'utf8'),
      certPem,
      keyPem: fs.readFileSync(f('leaf.key'), 'utf8'),
      certSha256: createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
