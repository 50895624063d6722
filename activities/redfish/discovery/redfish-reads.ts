/**
 * The few Redfish reads a discovery probe makes, over HTTPS with HTTP Basic
 * authentication (DMTF DSP0266 §13.2.2: a service accepts Basic on every
 * request; a probe of thousands of addresses opens no session per address).
 * The service root is read without credentials (DSP0266 §13.2.1: `/redfish/v1`
 * needs none), so an address that is not a Redfish service is told apart
 * before any credential is sent. Everything else is navigated from the
 * service root by `@odata.id`, never by a hard-coded path.
 *
 * Discovery meets BMCs it has never seen: it cannot pin a certificate it does
 * not know yet, so it accepts the BMC's certificate and records its SHA-256
 * on the DPUDevice (status.bmcCertSha256), which the install path then pins.
 */
import https from 'node:https';
import crypto from 'node:crypto';
import type { TLSSocket } from 'node:tls';

export interface RedfishReadTarget {
  address: string;
  port: number;
  username: string;
  password: string;
  timeoutMs: number;
}

export interface RedfishReply {
  status: number;
  body: unknown;
  certSha256?: string;
}

/** One GET of `path` (an `@odata.id`); `auth` false sends no credentials. */
export function redfishGet(t: RedfishReadTarget, path: string, auth: boolean): Promise<RedfishReply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: t.address,
        port: t.port,
        path,
        method: 'GET',
        agent: false,
        rejectUnauthorized: false,
        timeout: t.timeoutMs,
        headers: {
          Accept: 'application/json',
          'OData-Version': '4.0',
          ...(auth
            ? { Authorization: `Basic ${Buffer.from(`${t.username}:${t.password}`).toString('base64')}` }
            : {}),
        },
      },
      (res) => {
        const cert = (res.socket as TLSSocket).getPeerCertificate?.();
        const certSha256 = cert?.raw ? crypto.createHash('sha256').update(cert.raw).digest('hex') : undefined;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = undefined;
          if (text) {
            try {
              body = JSON.parse(text);
            } catch {
              // Not JSON: not a Redfish answer; the caller reads body undefined as "not Redfish".
              body = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, body, ...(certSha256 ? { certSha256 } : {}) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`https://${t.address}:${t.port}${path} did not answer within ${t.timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/** The `@odata.id` a navigation property points at, or undefined. */
export function odataId(x: unknown): string | undefined {
  const id = (x as { '@odata.id'?: unknown } | undefined)?.['@odata.id'];
  return typeof id === 'string' ? id : undefined;
}

/** The member links of a Redfish collection. */
export function members(collection: unknown): string[] {
  const m = (collection as { Members?: unknown[] } | undefined)?.Members;
  return Array.isArray(m) ? m.map(odataId).filter((id): id is string => !!id) : [];
}
