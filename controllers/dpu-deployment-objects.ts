/**
 * What a DPUDeployment makes, as objects it owns (ownerReferences, controller
 * true; a deleted deployment's workflow removes them in order behind its
 * finalizer, workflows/dpu-deployment, the garbage collector only as a
 * fallback): one DPUSet per
 * spec.dpus.dpuSets entry (strategy OnDelete: the deployment's workflow rolls
 * their DPUs, one whole update per DPU), one DPUService per service revision
 * (selecting the DPU-cluster nodes labelled with that revision), one
 * DPUServiceInterface per service interface, and the DPUServiceChain.
 * Following NVIDIA DPF's DPUDeployment controller, which makes a DPUService
 * per version too (annotation svc.dpu.nvidia.com/dpuservice-version;
 * NVIDIA/doca-platform internal/dpuservice/controllers/dpudeployment).
 */
import { isConflict, type Kube } from '../platform/kube/client';
import {
  API_VERSION,
  DPUSET_LABEL,
  refOf,
  type DpuSetResource,
  type DpuTemplateSpec,
  type Kind,
  type ObjectMeta,
} from '../model/resources/common';
import {
  DEPLOYMENT_SERVICE_LABEL,
  DPU_DEPLOYMENT_LABEL,
  SERVICE_REVISION_LABEL,
  type DpuDeploymentResource,
} from '../model/resources/dpu-deployment';
import type { DpuServiceSpec } from '../model/resources/dpu-service';
import type { DpuServiceChainSpec, DpuServiceInterfaceSpec } from '../model/resources/service-chain';
import {
  deploymentChainName,
  deploymentDpuSetName,
  deploymentInterfaceName,
  deploymentServiceName,
} from '../model/dpu-deployment';
import type { DpuSetSpec } from '../model/resources/common';

/** One service as resolved from its template and configuration. */
export interface ResolvedService {
  service: string;
  revision: string;
  spec: DpuServiceSpec;
  interfaces: Array<{ name: string; network: string }>;
}

export function ownerRef(dep: DpuDeploymentResource): NonNullable<ObjectMeta['ownerReferences']>[number] {
  return {
    apiVersion: API_VERSION,
    kind: 'DPUDeployment',
    name: dep.metadata.name,
    uid: dep.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function meta(dep: DpuDeploymentResource, name: string, labels: Record<string, string> = {}): ObjectMeta {
  return {
    name,
    namespace: dep.metadata.namespace,
    labels: { [DPU_DEPLOYMENT_LABEL]: dep.metadata.name, ...labels },
    ownerReferences: [ownerRef(dep)],
  };
}

/**
 * Creates the object, or replaces its spec when it differs; returns what the
 * API server stored (defaults applied). Never takes over an object another
 * owner controls: that is an error naming it.
 */
async function apply<T extends { metadata: ObjectMeta; spec: unknown }>(
  kube: Kube,
  kind: Kind,
  dep: DpuDeploymentResource,
  want: { metadata: ObjectMeta; spec: unknown },
): Promise<T> {
  const ref = { namespace: dep.metadata.namespace!, name: want.metadata.name };
  const cur = await kube.get<T>(kind, ref);
  if (!cur) {
    try {
      return await kube.create<T>(kind, ref.namespace, want);
    } catch (err) {
      if (!isConflict(err)) throw err;
      return apply<T>(kube, kind, dep, want); // made meanwhile: compare with what is there
    }
  }
  const owner = cur.metadata.ownerReferences?.find((o) => o.controller);
  if (owner && owner.uid !== dep.metadata.uid)
    throw new Error(
      `${kind} ${ref.name} exists and is controlled by ${owner.kind} ${owner.name}: rename the DPUDeployment or delete that ${kind}`,
    );
  if (JSON.stringify(cur.spec) === JSON.stringify(want.spec) && owner) return cur;
  return kube.jsonPatch<T>(kind, ref, [
    { op: 'replace', path: '/spec', value: want.spec },
    { op: 'add', path: '/metadata/ownerReferences', value: [ownerRef(dep)] },
    {
      op: 'add',
      path: '/metadata/labels',
      value: { ...(cur.metadata.labels ?? {}), ...want.metadata.labels },
    },
  ]);
}

/** The deployment's DPUSets, as stored; their DPUs' template is `template`. */
export async function applyDpuSets(
  kube: Kube,
  dep: DpuDeploymentResource,
  template: DpuTemplateSpec,
): Promise<DpuSetResource[]> {
  const out: DpuSetResource[] = [];
  for (const s of dep.spec.dpus.dpuSets) {
    const spec: DpuSetSpec = {
      ...(s.nodeSelector ? { nodeSelector: s.nodeSelector } : {}),
      dpuTemplate: { spec: template },
      // The deployment's workflow rolls the DPUs (BFB and services in one update); the set only makes and counts them.
      strategy: { type: 'OnDelete' },
    };
    out.push(
      await apply<DpuSetResource>(kube, 'DPUSet', dep, {
        metadata: meta(dep, deploymentDpuSetName(dep.metadata.name, s.nameSuffix)),
        spec,
      }),
    );
  }
  return out;
}

/** One DPUService per current service revision; returns their names by service. */
export async function applyDpuServices(
  kube: Kube,
  dep: DpuDeploymentResource,
  services: ResolvedService[],
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const s of services) {
    const name = deploymentServiceName(dep.metadata.name, s.service, s.revision);
    await apply(kube, 'DPUService', dep, {
      metadata: meta(dep, name, {
        [DEPLOYMENT_SERVICE_LABEL]: s.service,
        [SERVICE_REVISION_LABEL]: s.revision.slice(0, 63),
      }),
      spec: s.spec,
    });
    names[s.service] = name;
  }
  return names;
}

/** The services' interfaces and the chain; what the deployment no longer names is deleted. */
export async function applyChain(
  kube: Kube,
  dep: DpuDeploymentResource,
  services: ResolvedService[],
  dpuSets: string[],
): Promise<void> {
  const ns = dep.metadata.namespace!;
  const dpuSelector = { matchExpressions: [{ key: DPUSET_LABEL, operator: 'In' as const, values: dpuSets }] };
  const wanted = new Set<string>();
  for (const s of services)
    for (const i of s.interfaces) {
      const name = deploymentInterfaceName(dep.metadata.name, s.service, i.name);
      wanted.add(name);
      const spec: DpuServiceInterfaceSpec = {
        dpuSelector,
        interfaceType: 'service',
        service: {
          serviceId: `${dep.metadata.name}-${s.service}`,
          network: i.network,
          interfaceName: i.name,
        },
      };
      await apply(kube, 'DPUServiceInterface', dep, {
        metadata: meta(dep, name, { [DEPLOYMENT_SERVICE_LABEL]: s.service }),
        spec,
      });
    }
  const label = `${DPU_DEPLOYMENT_LABEL}=${dep.metadata.name}`;
  for (const i of await kube.list<{ metadata: ObjectMeta }>('DPUServiceInterface', ns, label))
    if (!wanted.has(i.metadata.name)) await kube.delete('DPUServiceInterface', refOf(i.metadata));

  const chainName = deploymentChainName(dep.metadata.name);
  const chains = dep.spec.serviceChains;
  if (!chains) {
    for (const c of await kube.list<{ metadata: ObjectMeta }>('DPUServiceChain', ns, label))
      await kube.delete('DPUServiceChain', refOf(c.metadata));
    return;
  }
  const spec: DpuServiceChainSpec = {
    dpuSelector,
    switches: chains.switches.map((sw) => ({
      ports: sw.ports.map((p) => ({
        serviceInterface: p.service
          ? deploymentInterfaceName(dep.metadata.name, p.service.name, p.service.interface)
          : p.serviceInterface!.name,
      })),
    })),
  };
  await apply(kube, 'DPUServiceChain', dep, { metadata: meta(dep, chainName), spec });
}
