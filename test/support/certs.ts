/** Test PKI made with openssl (argument arrays, no shell): CAs, server and client certificates, expired ones. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CertFiles {
  cert: string;
  key: string;
}

export class TestPki {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-pki-'));

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private newKey(name: string): string {
    const key = this.file(`${name}.key`);
    this.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', key]);
    return key;
  }

  ca(name: string): CertFiles {
    const key = this.newKey(name);
    const cert = this.file(`${name}.crt`);
    this.openssl(['req', '-x509', '-new', '-key', key, '-out', cert, '-subj', `/CN=${name}`, '-days', '2']);
    return { cert, key };
  }

  /** A certificate signed by `ca`; `days` < 0 makes one that has already expired. */
  issue(ca: CertFiles, name: string, opts: { serverNames?: string[]; days?: number } = {}): CertFiles {
    const key = this.newKey(name);
    const csr = this.file(`${name}.csr`);
    const cert = this.file(`${name}.crt`);
    this.openssl(['req', '-new', '-key', key, '-out', csr, '-subj', `/CN=${name}`]);
    const ext = this.file(`${name}.ext`);
    const san = (opts.serverNames ?? []).map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    fs.writeFileSync(
      ext,
      san ? `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n` : 'extendedKeyUsage=clientAuth\n',
    );
    this.openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      cert,
      '-days',
      String(opts.days ?? 2),
      '-extfile',
      ext,
    ]);
    return { cert, key };
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
