/**
 * A TLS connection to the BMC whose certificate is checked before anything is written on it: the
 * chain to the pinned CA (with the host name), or the leaf's SHA-256. The HTTP request is written only
 * on a socket that passed, so a BMC that is not the pinned one never sees a credential.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { BmcTarget } from './bmc-address';
import { RedfishError } from './errors';
import type { BmcEndpoint } from './types';

/** Hex without colons, lower case. */
export function normalizeSha256(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').trim().toLowerCase();
}

export function connectPinned(
  target: BmcTarget,
  ep: BmcEndpoint,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      servername: net.isIP(target.host) ? undefined : target.host,
      ca: ep.caPem, // undefined: Node's bundled CAs
      // Checked below on secureConnect so the failure names what did not match.
      rejectUnauthorized: false,
    });
    const fail = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onAbort = () =>
      fail(new RedfishError('Unavailable', `request to BMC ${target.origin} aborted`, unavailable(target)));
    const timer = setTimeout(
      () =>
        fail(
          new RedfishError(
            'Unavailable',
            `BMC ${target.origin} did not complete a TLS handshake within ${timeoutMs} ms: check that the address is the BMC's and that it is up`,
            unavailable(target),
          ),
        ),
      timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
    };
    const onError = (err: NodeJS.ErrnoException) =>
      fail(
        new RedfishError(
          'Unavailable',
          `cannot reach BMC ${target.origin}: ${err.code ?? err.message}: check the BMC address and that the BMC is up`,
          { ...unavailable(target), cause: err },
        ),
      );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      const mismatch = pinMismatch(socket, ep);
      if (mismatch)
        return fail(
          new RedfishError(
            'CertificateMismatch',
            `BMC ${target.origin} presented a certificate that does not match the pinned one (${mismatch}); nothing was sent: ` +
              `check that the address is this DPU's BMC, or update the pinned CA / certificate SHA-256 if the BMC's certificate was replaced`,
            { bmc: target.origin, resource: '(TLS handshake)' },
          ),
        );
      cleanup();
      resolve(socket);
    });
  });
}

function unavailable(target: BmcTarget) {
  return { bmc: target.origin, resource: '(connection)' };
}

/** Why the peer does not match the pins, or undefined when it does. */
function pinMismatch(socket: tls.TLSSocket, ep: BmcEndpoint): string | undefined {
  const cert = socket.getPeerCertificate();
  if (ep.certSha256) {
    const got = normalizeSha256(cert.fingerprint256 ?? '');
    if (got !== normalizeSha256(ep.certSha256))
      return `its SHA-256 is ${got}, pinned ${normalizeSha256(ep.certSha256)}`;
  }
  // With only a leaf pin the fingerprint decides (a BMC's self-signed certificate chains to nothing).
  if (ep.certSha256 && !ep.caPem) return undefined;
  if (!socket.authorized)
    return ep.caPem
      ? `not issued for this host by the pinned CA: ${String(socket.authorizationError)}`
      : `not trusted by the system CAs and no CA or certificate is pinned: ${String(socket.authorizationError)}`;
  return undefined;
}
