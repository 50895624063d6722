/**
 * A tiny HTTPS server for the Redfish client's protocol corner cases (the BMC simulator and sushy-tools
 * cover the ordinary paths): each test gives a route function; every request is recorded.
 */
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { TestPki } from '../support/certs';

export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Route = (req: SeenRequest) => Answer | undefined;

export interface TestBmc {
  address: string;
  caPem: string;
  seen: SeenRequest[];
  route: Route;
  stop(): Promise<void>;
}

export class TestPkiPair {
  readonly pki = new TestPki();
  readonly ca = this.pki.ca('bmc-ca');
  readonly other = this.pki.ca('other-ca');
  readonly leaf = this.pki.issue(this.ca, 'bmc', { serverNames: ['127.0.0.1'] });
  readonly caPem = fs.readFileSync(this.ca.cert, 'utf8');
  readonly otherPem = fs.readFileSync(this.other.cert, 'utf8');
  tlsOptions() {
    return { cert: fs.readFileSync(this.leaf.cert), key: fs.readFileSync(this.leaf.key) };
  }
}

export const ROOT_WITH_SESSIONS = {
  '@odata.id': '/redfish/v1',
  Systems: { '@odata.id': '/redfish/v1/Systems' },
  UpdateService: { '@odata.id': '/redfish/v1/UpdateService' },
  TaskService: { '@odata.id': '/redfish/v1/TaskService' },
  Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } },
};

export async function startTestBmc(pki: TestPkiPair, route: Route): Promise<TestBmc> {
  const seen: SeenRequest[] = [];
  const bmc = { route } as TestBmc;
  const server = https.createServer(pki.tlsOptions(), (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const r: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      seen.push(r);
      const answer = bmc.route(r) ?? { status: 404, body: { error: { message: `no ${r.path}` } } };
      const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...(body ? { 'Content-Type': 'application/json' } : {}),
        ...answer.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(bmc, {
    address: `127.0.0.1:${port}`,
    caPem: pki.caPem,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
