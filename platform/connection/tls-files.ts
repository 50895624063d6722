/**
 * Certificates and keys read from files (or inline data), checked before any
 * connection is tried: a missing file, a file that is not PEM, an expired or
 * not-yet-valid certificate, or a key that does not belong to its certificate
 * is named here, instead of surfacing as an opaque handshake failure.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

export class TlsFileError extends Error {
  override name = 'TlsFileError';
}

export type Source = { path: string } | { data: string | Uint8Array };

function describe(src: Source, what: string): string {
  return 'path' in src ? `${what} ${src.path}` : `${what} (inline data)`;
}

function read(src: Source, what: string): Buffer {
  if ('data' in src) return Buffer.from(src.data);
  try {
    return fs.readFileSync(src.path);
  } catch (err) {
    throw new TlsFileError(
      `cannot read ${what} ${src.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** Reads a PEM certificate and checks it is valid now. */
export function readCertificate(
  src: Source,
  what: string,
  now: Date = new Date(),
): { pem: Buffer; cert: crypto.X509Certificate } {
  const pem = read(src, what);
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(pem);
  } catch (err) {
    throw new TlsFileError(`${describe(src, what)} is not a PEM certificate: ${(err as Error).message}`);
  }
  const validTo = new Date(cert.validTo);
  const validFrom = new Date(cert.validFrom);
  if (validTo < now)
    throw new TlsFileError(
      `${describe(src, what)} (subject ${cert.subject.replace(/\n/g, ', ')}) expired on ${validTo.toISOString()}: renew it`,
    );
  if (validFrom > now)
    throw new TlsFileError(
      `${describe(src, what)} is not valid before ${validFrom.toISOString()}: check the clock or the certificate`,
    );
  return { pem, cert };
}

/** Reads a PEM private key and checks it belongs to the certificate. */
export function readKeyFor(src: Source, cert: crypto.X509Certificate, what: string): Buffer {
  const pem = read(src, what);
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch (err) {
    throw new TlsFileError(`${describe(src, what)} is not a PEM private key: ${(err as Error).message}`);
  }
  if (!cert.checkPrivateKey(key))
    throw new TlsFileError(
      `${describe(src, what)} does not belong to the client certificate (subject ${cert.subject})`,
    );
  return pem;
}
