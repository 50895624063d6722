/** platform/kube/kept-alive-agents.ts: one kept-alive agent per KubeConfig, cluster and TLS identity. */
import type * as https from 'node:https';
import { kubeClientModule } from '../../platform/kube/client-module';

function kubeconfig(server: string, token: string, proxyUrl?: string) {
  const kc = new (kubeClientModule().KubeConfig)();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: false, ...(proxyUrl ? { proxyUrl } : {}) }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function agentOf(kc: ReturnType<typeof kubeconfig>): Promise<https.Agent> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return opts.agent as https.Agent;
}

test('calls through one KubeConfig share one kept-alive agent; another cluster or KubeConfig gets its own', async () => {
  const kc = kubeconfig('https://127.0.0.1:6443', 't1');
  const first = await agentOf(kc);
  expect(await agentOf(kc)).toBe(first);
  expect((first as https.Agent & { keepAlive?: boolean }).keepAlive).toBe(true);
  // The token goes in a header, not the agent: a new token keeps the connection.
  kc.users[0] = { name: 'u', token: 't2' };
  expect(await agentOf(kc)).toBe(first);
  kc.clusters[0] = { ...kc.clusters[0], server: 'https://127.0.0.1:7443' };
  expect(await agentOf(kc)).not.toBe(first);
  expect(await agentOf(kubeconfig('https://127.0.0.1:6443', 't1'))).not.toBe(first);
});

test('a cluster behind a proxy keeps the library’s agent per call', async () => {
  const kc = kubeconfig('https://127.0.0.1:6443', 't1', 'http://127.0.0.1:3128');
  expect(await agentOf(kc)).not.toBe(await agentOf(kc));
});
