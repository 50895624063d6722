/**
 * What `kubeadm join <endpoint> --token <id>.<secret>
 * --discovery-token-ca-cert-hash sha256:<hex> --node-name <name>` and the
 * kubelet's TLS bootstrap do, against a real API server, for a simulated DPU
 * (kubernetes/kubernetes v1.36.3, the version scripts/kube-assets.sh builds):
 *
 * 1. Discovery (cmd/kubeadm/app/discovery/token/token.go): read the
 *    `cluster-info` ConfigMap of kube-public without trusting the server
 *    yet; it must carry a JWS for the token's ID (`jws-kubeconfig-<id>`,
 *    written by kube-controller-manager's bootstrapsigner) that the token's
 *    secret verifies (k8s.io/cluster-bootstrap/token/jws: HS256, detached
 *    payload, header {"alg":"HS256","kid":"<id>"}); one of the CA
 *    certificates in it must match a pinned hash (pubkeypin: sha256 of the
 *    SubjectPublicKeyInfo); then read it again trusting that CA.
 * 2. As the token (user system:bootstrap:<id>, kubeadm's node-token group):
 *    read kube-system's kubeadm-config and kubelet-config ConfigMaps
 *    (cmd/kubeadm/app/util/config/cluster.go, phases/kubelet), and refuse to
 *    join over a Ready Node of the same name (cmd/kubeadm/app/cmd/phases/join/kubelet.go).
 * 3. TLS bootstrap (k8s.io/client-go/util/certificate/csr, pkg/kubelet/certificate/bootstrap):
 *    a CSR for O=system:nodes, CN=system:node:<name>, signer
 *    kubernetes.io/kube-apiserver-client-kubelet, usages digital signature
 *    and client auth (an EC key), then wait for approval and the certificate.
 * 4. As the node (the kubelet): create its Node with its labels and report Ready.
 *
 * Every step talks HTTPS to the API server, which decides: a wrong, expired
 * or deleted token gets 401 from it.
 */
import { execFile } from 'node:child_process';
import { createHash, createHmac, generateKeyPairSync, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';

const run = promisify(execFile);

export interface KubeadmJoinArgs {
  endpoint: string;
  token: string;
  caCertHashes: string[];
  nodeName: string;
  nodeLabels: Record<string, string>;
}

/** Where a join stopped: the step, the HTTP status the API server answered (401 for a refused token), and why. */
export class JoinRefused extends Error {
  constructor(
    readonly step: 'discovery' | 'token-auth' | 'node-exists' | 'csr' | 'node',
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  body: string;
}

interface Auth {
  ca?: string;
  token?: string;
  cert?: string;
  key?: string;
}

function request(
  endpoint: string,
  method: string,
  urlPath: string,
  auth: Auth,
  body?: unknown,
): Promise<Reply> {
  const [host, port] = [
    endpoint.slice(0, endpoint.lastIndexOf(':')),
    endpoint.slice(endpoint.lastIndexOf(':') + 1),
  ];
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port: Number(port),
        method,
        path: urlPath,
        // Discovery's first read trusts nothing (kubeadm: InsecureSkipTLSVerify), which is why the JWS and the CA pin are checked.
        rejectUnauthorized: auth.ca !== undefined,
        ca: auth.ca,
        cert: auth.cert,
        key: auth.key,
        ...(isIP(host) ? {} : { servername: host }),
        headers: {
          Accept: 'application/json',
          'User-Agent': 'kubeadm/v1.36.3 (xpuflow simulated DPU)',
          ...(auth.token ? { Authorization: `Bearer ${auth.token}` } : {}),
          ...(payload
            ? {
                'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
                'Content-Length': Buffer.byteLength(payload),
              }
            : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${method} https://${endpoint}${urlPath} timed out after 10 s`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function message(reply: Reply): string {
  try {
    return (JSON.parse(reply.body) as { message?: string }).message ?? reply.body;
  } catch {
    return reply.body.slice(0, 300);
  }
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** k8s.io/cluster-bootstrap/token/jws ComputeDetachedSignature: `<protected>..<signature>`. */
export function detachedJws(content: string, tokenId: string, tokenSecret: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signature = createHmac('sha256', tokenSecret)
    .update(`${header}.${b64url(content)}`)
    .digest('base64url');
  return `${header}..${signature}`;
}

/** kubeadm's pubkeypin.Hash of every certificate in a PEM bundle. */
function pins(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((c) => {
    const spki = new X509Certificate(c).publicKey.export({ type: 'spki', format: 'der' });
    return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
  });
}

const CLUSTER_INFO = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

/** Step 1: the cluster's server and CA, trusted through the token's JWS and the CA pin. */
async function discover(a: KubeadmJoinArgs): Promise<{ server: string; ca: string }> {
  const [id, secret] = a.token.split('.');
  const insecure = await request(a.endpoint, 'GET', CLUSTER_INFO, {});
  if (insecure.status !== 200)
    throw new JoinRefused(
      'discovery',
      insecure.status,
      `cluster-info: ${insecure.status} ${message(insecure)}`,
    );
  const cm = JSON.parse(insecure.body) as k8s.V1ConfigMap;
  const kubeconfig = cm.data?.kubeconfig ?? '';
  const jws = cm.data?.[`jws-kubeconfig-${id}`];
  if (!jws) {
    throw new JoinRefused(
      'discovery',
      undefined,
      `there is no JWS signed token in the cluster-info ConfigMap; token id ${JSON.stringify(id)} is invalid for this cluster or it has expired`,
    );
  }
  if (jws !== detachedJws(kubeconfig, id, secret)) {
    throw new JoinRefused(
      'discovery',
      undefined,
      "failed to verify JWS signature of received cluster info object, can't trust this API Server",
    );
  }
  // kubeadm's cluster-info kubeconfig names its one cluster "" (client-node's loader refuses that): read it as YAML.
  const parsed = YAML.parse(kubeconfig) as {
    clusters?: Array<{ cluster?: { server?: string; 'certificate-authority-data'?: string } }>;
  };
  const cluster = parsed.clusters?.[0]?.cluster;
  const ca = Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString('utf8');
  if (!pins(ca).some((p) => a.caCertHashes.includes(p))) {
    throw new JoinRefused(
      'discovery',
      undefined,
      `cluster CA found in cluster-info ConfigMap is invalid: none of the public keys match the pins ${a.caCertHashes.join(', ')}`,
    );
  }
  // kubeadm reads cluster-info again, now trusting the CA it pinned.
  const secure = await request(a.endpoint, 'GET', CLUSTER_INFO, { ca });
  if (secure.status !== 200)
    throw new JoinRefused(
      'discovery',
      secure.status,
      `cluster-info (CA trusted): ${secure.status} ${message(secure)}`,
    );
  return { server: cluster?.server ?? `https://${a.endpoint}`, ca };
}

async function csrPem(keyPem: string, nodeName: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dpu-csr-'));
  try {
    fs.writeFileSync(path.join(dir, 'key.pem'), keyPem, { mode: 0o600 });
    const { stdout } = await run('openssl', [
      'req',
      '-new',
      '-key',
      path.join(dir, 'key.pem'),
      '-subj',
      `/O=system:nodes/CN=system:node:${nodeName}`,
    ]);
    return stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Joined {
  /** The node's client certificate's subject, as the API server authenticated it (SelfSubjectReview). */
  username: string;
  groups: string[];
  /** The CSR that got the certificate, and who asked for it (system:bootstrap:<id>). */
  csrName: string;
  csrRequester: string;
}

export async function kubeadmJoin(a: KubeadmJoinArgs, opts: { csrTimeoutMs?: number } = {}): Promise<Joined> {
  const { ca } = await discover(a);
  const asToken: Auth = { ca, token: a.token };
  for (const cmName of ['kubeadm-config', 'kubelet-config']) {
    const r = await request(
      a.endpoint,
      'GET',
      `/api/v1/namespaces/kube-system/configmaps/${cmName}`,
      asToken,
    );
    if (r.status !== 200)
      throw new JoinRefused(
        'token-auth',
        r.status,
        `reading kube-system/${cmName} as the bootstrap token: ${r.status} ${message(r)}`,
      );
  }
  const existing = await request(a.endpoint, 'GET', `/api/v1/nodes/${a.nodeName}`, asToken);
  if (existing.status === 200) {
    const node = JSON.parse(existing.body) as k8s.V1Node;
    if (node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
      throw new JoinRefused(
        'node-exists',
        200,
        `a Node with name ${JSON.stringify(a.nodeName)} and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`,
      );
    }
  } else if (existing.status !== 404) {
    throw new JoinRefused(
      'token-auth',
      existing.status,
      `looking up Node ${a.nodeName}: ${existing.status} ${message(existing)}`,
    );
  }

  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const created = await request(
    a.endpoint,
    'POST',
    '/apis/certificates.k8s.io/v1/certificatesigningrequests',
    asToken,
    {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'node-csr-' },
      spec: {
        request: Buffer.from(await csrPem(privateKey, a.nodeName)).toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: ['digital signature', 'client auth'],
      },
    },
  );
  if (created.status !== 201)
    throw new JoinRefused(
      'csr',
      created.status,
      `creating the node's CSR: ${created.status} ${message(created)}`,
    );
  const csrName = (JSON.parse(created.body) as k8s.V1CertificateSigningRequest).metadata!.name!;

  const deadline = Date.now() + (opts.csrTimeoutMs ?? 30_000);
  let cert = '';
  let csr: k8s.V1CertificateSigningRequest | undefined;
  while (!cert) {
    const r = await request(
      a.endpoint,
      'GET',
      `/apis/certificates.k8s.io/v1/certificatesigningrequests/${csrName}`,
      asToken,
    );
    if (r.status !== 200)
      throw new JoinRefused('csr', r.status, `reading CSR ${csrName}: ${r.status} ${message(r)}`);
    csr = JSON.parse(r.body) as k8s.V1CertificateSigningRequest;
    const bad = csr.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
    if (bad)
      throw new JoinRefused(
        'csr',
        undefined,
        `CSR ${csrName} ${bad.type}: ${bad.reason ?? ''} ${bad.message ?? ''}`,
      );
    if (csr.status?.certificate) cert = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
    else if (Date.now() > deadline)
      throw new JoinRefused(
        'csr',
        undefined,
        `CSR ${csrName} was not approved and signed within ${(opts.csrTimeoutMs ?? 30_000) / 1000} s`,
      );
    else await new Promise((r2) => setTimeout(r2, 200));
  }

  const asNode: Auth = { ca, cert, key: privateKey };
  const review = await request(
    a.endpoint,
    'POST',
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    asNode,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    },
  );
  if (review.status !== 201)
    throw new JoinRefused(
      'node',
      review.status,
      `SelfSubjectReview as the node: ${review.status} ${message(review)}`,
    );
  const who =
    (JSON.parse(review.body) as { status?: { userInfo?: { username?: string; groups?: string[] } } }).status
      ?.userInfo ?? {};

  const node = await request(a.endpoint, 'POST', '/api/v1/nodes', asNode, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: a.nodeName, labels: a.nodeLabels },
  });
  if (node.status !== 201 && node.status !== 409)
    throw new JoinRefused(
      'node',
      node.status,
      `creating Node ${a.nodeName} as the node: ${node.status} ${message(node)}`,
    );
  const now = new Date().toISOString();
  const status = await request(a.endpoint, 'PATCH', `/api/v1/nodes/${a.nodeName}/status`, asNode, {
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
    },
  });
  if (status.status !== 200)
    throw new JoinRefused(
      'node',
      status.status,
      `reporting Node ${a.nodeName} Ready: ${status.status} ${message(status)}`,
    );
  return {
    username: who.username ?? '',
    groups: who.groups ?? [],
    csrName,
    csrRequester: csr?.spec.username ?? '',
  };
}
