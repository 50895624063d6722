/**
 * Starts the DPUServiceCredentialRequest controller: an informer on the
 * requests of one namespace and its work queue. The manager
 * (controllers/manager.ts) calls this beside its own controllers.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { Kube } from '../platform/kube/client';
import type { CredentialResource } from '../model/resources/credential';
import { CredentialController } from './credential-controller';
import { controllerRunner, objectQueue, watched } from './controller-runner';
import { customInformer } from './informers';

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
  const requests = customInformer<CredentialResource & k8s.KubernetesObject>(
    opts.kc,
    'DPUServiceCredentialRequest',
    ns,
  );
  const ctl = new CredentialController(
    new Kube(opts.kc),
    opts.temporal,
    (n, name) => requests.get(name, n) as CredentialResource | undefined,
  );
  const runner = controllerRunner({
    kc: opts.kc,
    namespace: ns,
    log: opts.log,
    // `helm upgrade` does not add new CRDs: without this one, the other controllers still run.
    optionalCrds: ['DPUServiceCredentialRequest'],
    informers: [watched(requests, 'dpuservicecredentialrequests')],
    queues: [objectQueue('DPUServiceCredentialRequest', requests, ns, (n, name) => ctl.reconcile(n, name))],
  });
  await runner.start();
  return runner;
}
