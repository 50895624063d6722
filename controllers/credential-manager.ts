/**
 * Starts the DPUServiceCredentialRequest controller: an informer on the
 * requests of one namespace and its work queue. The manager
 * (controllers/manager.ts) calls this beside its own controllers.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { Kube } from '../platform/kube/client';
import type { CredentialRequestResource } from '../model/resources/credential';
import { CredentialRequestController } from './credential-controller';
import { customInformer, run, unservedKinds, unservedMessage } from './informers';
import { WorkQueue } from './work-queue';

export interface CredentialControllerOptions {
  kc: k8s.KubeConfig;
  temporal: Client;
  namespace: string;
  log: (line: string) => void;
}

export async function startCredentialController(
  opts: CredentialControllerOptions,
): Promise<{ stop(): Promise<void> }> {
  const ns = opts.namespace;
  // `helm upgrade` does not add new CRDs: without this one, the other controllers still run.
  const missing = await unservedKinds(opts.kc, ['DPUServiceCredentialRequest'], ns);
  if (missing.length) {
    opts.log(unservedMessage(missing));
    return { stop: async () => undefined };
  }
  const requests = customInformer<CredentialRequestResource & k8s.KubernetesObject>(
    opts.kc,
    'DPUServiceCredentialRequest',
    ns,
  );
  const ctl = new CredentialRequestController(
    new Kube(opts.kc),
    opts.temporal,
    (n, name) => requests.get(name, n) as CredentialRequestResource | undefined,
  );
  const queue = new WorkQueue(
    (key) => ctl.reconcile(...(key.split('/') as [string, string])),
    (key, err) =>
      opts.log(
        `reconcile of DPUServiceCredentialRequest ${key} failed (will retry): ${(err as Error).message}`,
      ),
  );
  const keyOf = (o: k8s.KubernetesObject) => `${o.metadata?.namespace ?? ns}/${o.metadata?.name}`;
  for (const ev of ['add', 'update', 'delete'] as const) requests.on(ev, (r) => queue.add(keyOf(r)));
  let stopped = false;
  await run(requests, 'dpuservicecredentialrequests', opts.log, () => stopped);
  queue.start();
  return {
    async stop() {
      stopped = true;
      queue.stop();
      await requests.stop();
    },
  };
}
