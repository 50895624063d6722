/**
 * Does a pod still exist? The lease collector asks this. Two sources: the
 * Kubernetes API (in-cluster service account, when KUBERNETES_SERVICE_HOST is
 * set) or a JSON file of the node's pods ([{ namespace, name, uid }]) kept by
 * the kubelet peer or a test. undefined means "cannot tell": never collected.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { PodRef } from '../../model/vf';

export interface PodChecker {
  exists(pod: PodRef): Promise<boolean | undefined>;
}

export function filePodChecker(file: string): PodChecker {
  return {
    async exists(pod) {
      let pods: PodRef[];
      try {
        pods = JSON.parse(fs.readFileSync(file, 'utf8')) as PodRef[];
      } catch (err) {
        // No file yet: cannot tell. A file that cannot be read or parsed is reported (the collector logs it).
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(
          `pod list ${file} cannot be used: ${(err as Error).message}; write a JSON list of { namespace, name, uid }`,
          { cause: err },
        );
      }
      return pods.some(
        (p) =>
          p.namespace === pod.namespace && p.name === pod.name && (!pod.uid || !p.uid || p.uid === pod.uid),
      );
    },
  };
}

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

export function kubeApiPodChecker(): PodChecker | undefined {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host || !fs.existsSync(`${SA}/token`)) return undefined;
  return {
    exists: (pod) =>
      new Promise((resolve) => {
        const req = https.get(
          {
            host,
            port,
            path: `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}`,
            ca: fs.readFileSync(`${SA}/ca.crt`),
            headers: { authorization: `Bearer ${fs.readFileSync(`${SA}/token`, 'utf8').trim()}` },
            timeout: 10_000,
          },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => {
              if (res.statusCode === 404) return resolve(false);
              if (res.statusCode !== 200) return resolve(undefined);
              const uid = (JSON.parse(body) as { metadata?: { uid?: string } }).metadata?.uid;
              resolve(!pod.uid || !uid || uid === pod.uid);
            });
          },
        );
        req.on('error', () => resolve(undefined));
        req.on('timeout', () => req.destroy());
      }),
  };
}
