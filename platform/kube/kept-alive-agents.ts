/**
 * One kept-alive HTTPS agent per cluster and TLS identity, instead of a new
 * one per request. @kubernetes/client-node 1.4 builds a fresh `https.Agent`
 * in `KubeConfig.createAgent` for every API call and every watch
 * (node_modules/@kubernetes/client-node/dist/config.js, applySecurityAuthentication
 * and applyToHTTPSOptions), so each call parses the CA, certificate and key
 * into a new secure context and makes a new TLS connection: a full handshake
 * on both sides, per GET. Measured on a kube test file, that was about a
 * tenth of the test process's CPU, and the kube-apiserver's share on top.
 *
 * The agent is keyed by everything that goes into it (server, and a hash of
 * the CA, client certificate and key and the other TLS options), so a rotated
 * certificate or another cluster gets its own agent; a cluster behind a proxy
 * keeps the library's own agent per call.
 */
import crypto from 'node:crypto';
import type * as http from 'node:http';
import type * as K8s from '@kubernetes/client-node';

type CreateAgent = (cluster: K8s.Cluster | null, agentOptions: Record<string, unknown>) => http.Agent;

const PATCHED = Symbol.for('xpuflow.keptAliveKubeAgents');

/** A stable text of the agent options, Buffers and strings hashed (key material never kept in the key). */
function optionsKey(cluster: K8s.Cluster | null, agentOptions: Record<string, unknown>): string {
  const hash = crypto.createHash('sha256');
  hash.update(`${cluster?.server ?? ''}\n`);
  for (const name of Object.keys(agentOptions).sort()) {
    const value = agentOptions[name];
    if (value === undefined) continue;
    hash.update(`${name}=`);
    if (Buffer.isBuffer(value) || typeof value === 'string') hash.update(value);
    else hash.update(JSON.stringify(value) ?? String(value));
    hash.update('\n');
  }
  return hash.digest('hex');
}

/**
 * Makes every KubeConfig of `k8s` reuse its agents (idempotent). Called where
 * the client module is loaded (client-module.ts), before any KubeConfig makes
 * a request.
 */
export function keepKubeAgentsAlive(k8s: typeof K8s): void {
  const proto = k8s.KubeConfig.prototype as unknown as Record<PropertyKey, unknown> & {
    createAgent: CreateAgent;
  };
  if (proto[PATCHED]) return;
  const original = proto.createAgent;
  if (typeof original !== 'function') {
    throw new Error(
      '@kubernetes/client-node has no KubeConfig.createAgent: platform/kube/kept-alive-agents.ts must follow the new version',
    );
  }
  const agents = new WeakMap<object, Map<string, http.Agent>>();
  proto.createAgent = function (this: object, cluster, agentOptions) {
    if (cluster?.proxyUrl) return original.call(this, cluster, agentOptions);
    let mine = agents.get(this);
    if (!mine) agents.set(this, (mine = new Map()));
    const key = optionsKey(cluster, agentOptions);
    let agent = mine.get(key);
    if (!agent) {
      // keepAlive: the connection (and its TLS session) serves the next call; an idle socket is
      // unref'd by Node's agent, so it never keeps a process alive.
      agent = original.call(this, cluster, { ...agentOptions, keepAlive: true });
      mine.set(key, agent);
    }
    return agent;
  };
  proto[PATCHED] = true;
}
