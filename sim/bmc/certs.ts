/**
 * The BMC simulator's TLS material: a CA (one per process) and a leaf certificate
 * for the address each simulator listens on (subjectAltName IP or DNS), made with
 * openssl (argument arrays, no shell) in private temporary directories, like a
 * real BMC's self-signed certificate but with a CA a client can pin.
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

interface Ca {
  caPem: string;
  keyPem: string;
}
let sharedCa: Ca | undefined;

/**
 * One CA per process, made on first use and kept in memory: its files live only
 * while openssl runs, in private temporary directories removed at once (a process
 * stopped by a signal leaves nothing behind). The discovery tests start 40
 * simulators, and one openssl call per leaf keeps that quick.
 */
function processCa(): Ca {
  if (sharedCa) return sharedCa;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bmc-ca-'));
  try {
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
        .concat(['-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.crt')])
        .concat(['-subj', '/O=xpuflow/CN=xpuflow BMC simulator CA', '-days', '2'])
        .concat([
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ]),
    );
    sharedCa = {
      caPem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
      keyPem: fs.readFileSync(path.join(dir, 'ca.key'), 'utf8'),
    };
    return sharedCa;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A leaf for `host` (an IP address or a DNS name), valid for two days, signed by the process's CA. */
export function makeBmcCertificate(host: string): BmcCertificate {
  const ca = processCa();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bmc-leaf-'));
  try {
    fs.writeFileSync(path.join(dir, 'ca.crt'), ca.caPem);
    fs.writeFileSync(path.join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    const san = /^[\d.]+$/.test(host) || host.includes(':') ? `IP:${host}` : `DNS:${host}`;
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
        .concat(['-CA', path.join(dir, 'ca.crt'), '-CAkey', path.join(dir, 'ca.key')])
        .concat(['-keyout', path.join(dir, 'leaf.key'), '-out', path.join(dir, 'leaf.crt')])
        .concat(['-subj', `/O=xpuflow/CN=${host}`, '-days', '2'])
        .concat(['-addext', `subjectAltName=${san}`, '-addext', 'basicConstraints=critical,CA:FALSE'])
        .concat([
          '-addext',
          'keyUsage=critical,digitalSignature,keyAgreement',
          '-addext',
          'extendedKeyUsage=serverAuth',
        ]),
    );
    const certPem = fs.readFileSync(path.join(dir, 'leaf.crt'), 'utf8');
    return {
      caPem: ca.caPem,
      certPem,
      keyPem: fs.readFileSync(path.join(dir, 'leaf.key'), 'utf8'),
      certSha256: createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
