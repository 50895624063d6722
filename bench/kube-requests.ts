/**
 * What a kube-apiserver was asked over a span, from its Prometheus /metrics:
 * `apiserver_request_total` summed by verb and resource (with subresource),
 * so a benchmark can tell which calls load the API servers
 * (kubernetes/kubernetes, staging/src/k8s.io/apiserver/pkg/endpoints/metrics/metrics.go
 * at tag v1.36.3: requestCounter, subsystem apiserver, name request_total,
 * labels verb, dry_run, group, version, resource, subresource, scope,
 * component, code). The counter names
 * no client; the verb and resource say whose calls they are.
 */
import https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import type { Counters } from './server-requests';

/** `apiserver_request_total` of the cluster `kc` points at, by `VERB resource[/subresource]`. */
export async function readKubeRequests(kc: k8s.KubeConfig): Promise<Counters> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no current cluster: cannot read its /metrics');
  const url = new URL('/metrics', server);
  const opts: https.RequestOptions = { hostname: url.hostname, port: url.port, path: url.pathname };
  await kc.applyToHTTPSOptions(opts);
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(opts, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(body)
            : reject(new Error(`GET ${url.href}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`)),
        );
      })
      .on('error', reject);
  });
  const out: Counters = new Map();
  for (const line of text.split('\n')) {
    const m = /^apiserver_request_total\{([^}]*)\}\s+([0-9.e+]+)/.exec(line);
    if (!m) continue;
    const label = (k: string) => new RegExp(`(?:^|,)${k}="([^"]*)"`).exec(m[1])?.[1] ?? '';
    const sub = label('subresource');
    const key = `${label('verb')} ${label('resource')}${sub ? `/${sub}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}
