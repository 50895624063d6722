/**
 * Starts the DPUDeployment controller: informers for DPUDeployments,
 * DPUServiceTemplates, DPUServiceConfigurations, BFBs, DPUFlavors and DPUs of
 * one namespace, one work queue keyed by deployment, queued again by a
 * template, configuration, BFB or flavor a deployment names (so one waiting
 * for it starts as soon as it exists) and by its DPUs (maxUnavailable counts them).
 *   XPUFLOW_DEPLOYMENT_SETTLE_TIMEOUT_SECONDS    how long one DPU may take from its update to Ready (default 1800)
 *   XPUFLOW_DEPLOYMENT_SERVICES_TIMEOUT_SECONDS  how long one DPU's services may take to run on it (default 600)
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { Kube } from '../platform/kube/client';
import {
  DPUSET_LABEL,
  type BfbResource,
  type DpuFlavorResource,
  type DpuResource,
} from '../model/resources/common';
import type {
  DpuDeploymentResource,
  DpuServiceConfigurationResource,
  DpuServiceTemplateResource,
} from '../model/resources/dpu-deployment';

import { DpuDeploymentController } from './dpu-deployment-controller';
import { controllerRunner, objectKey, objectQueue, on, watched } from './controller-runner';
import { customInformer } from './informers';

export interface DpuDeploymentControllerOptions {
  kc: k8s.KubeConfig;
  temporal: Client;
  namespace: string;
  log: (line: string) => void;
  settleTimeoutSeconds?: number;
  /** How often the workflow looks for DPUs the sets made meanwhile (default 30 s). */
  deploymentPollSeconds?: number;
}

export async function startDpuDeploymentController(
  opts: DpuDeploymentControllerOptions,
): Promise<{ stop(): Promise<void> }> {
  const ns = opts.namespace;
  type Obj<T> = T & k8s.KubernetesObject;
  const deployments = customInformer<Obj<DpuDeploymentResource>>(opts.kc, 'DPUDeployment', ns);
  const templates = customInformer<Obj<DpuServiceTemplateResource>>(opts.kc, 'DPUServiceTemplate', ns);
  const configurations = customInformer<Obj<DpuServiceConfigurationResource>>(
    opts.kc,
    'DPUServiceConfiguration',
    ns,
  );
  const bfbs = customInformer<Obj<BfbResource>>(opts.kc, 'BFB', ns);
  const flavors = customInformer<Obj<DpuFlavorResource>>(opts.kc, 'DPUFlavor', ns);
  const dpus = customInformer<Obj<DpuResource>>(opts.kc, 'DPU', ns);
  const envSettle = Number(process.env.XPUFLOW_DEPLOYMENT_SETTLE_TIMEOUT_SECONDS);
  const envServices = Number(process.env.XPUFLOW_DEPLOYMENT_SERVICES_TIMEOUT_SECONDS);
  const ctl = new DpuDeploymentController(
    new Kube(opts.kc),
    opts.temporal,
    {
      deployment: (n, name) => deployments.get(name, n),
      template: (n, name) => templates.get(name, n),
      configuration: (n, name) => configurations.get(name, n),
      bfb: (n, name) => bfbs.get(name, n),
      flavor: (n, name) => flavors.get(name, n),
      dpus: (n) => [...dpus.list(n)],
    },
    {
      settleTimeoutSeconds: opts.settleTimeoutSeconds ?? (envSettle > 0 ? envSettle : 1800),
      servicesTimeoutSeconds: envServices > 0 ? envServices : 600,
      ...(opts.deploymentPollSeconds ? { pollSeconds: opts.deploymentPollSeconds } : {}),
    },
  );
  const keyOf = objectKey(ns);
  const naming = (match: (d: DpuDeploymentResource) => boolean) =>
    deployments.list(ns).filter(match).map(keyOf);
  const services = (d: DpuDeploymentResource) => Object.values(d.spec.services ?? {});
  const runner = controllerRunner({
    kc: opts.kc,
    namespace: ns,
    log: opts.log,
    optionalCrds: ['DPUDeployment', 'DPUServiceTemplate', 'DPUServiceConfiguration'],
    informers: [
      watched(bfbs, 'bfbs (deployments)'),
      watched(flavors, 'dpuflavors (deployments)'),
      watched(dpus, 'dpus (deployments)'),
      watched(templates, 'dpuservicetemplates'),
      watched(configurations, 'dpuserviceconfigurations'),
      watched(deployments, 'dpudeployments'),
    ],
    queues: [
      objectQueue('DPUDeployment', deployments, ns, (n, name) => ctl.reconcile(n, name), [
        on(templates, (t) => naming((d) => services(d).some((s) => s.serviceTemplate === t.metadata?.name))),
        on(configurations, (c) =>
          naming((d) => services(d).some((s) => s.serviceConfiguration === c.metadata?.name)),
        ),
        on(bfbs, (b) => naming((d) => d.spec.dpus?.bfb === b.metadata?.name)),
        on(flavors, (f) => naming((d) => d.spec.dpus?.flavor === f.metadata?.name)),
        // A DPU of a deployment's set: the set's DPUSET_LABEL is `<deployment>-<suffix>`; the set carries the deployment's label.
        on(dpus, (d) => {
          const set = d.metadata?.labels?.[DPUSET_LABEL];
          return set ? naming((dep) => set.startsWith(`${dep.metadata.name}-`)) : [];
        }),
      ]),
    ],
  });
  await runner.start();
  return runner;
}
