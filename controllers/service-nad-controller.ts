/**
 * DPUServiceNAD controller: writes the NetworkAttachmentDefinition
 * (model/service-nad.ts) into every DPU cluster the NAD's dpuClusterSelector
 * picks, in the NAD's namespace there, and removes it from the clusters it
 * no longer picks and, behind a finalizer, when the DPUServiceNAD goes.
 *
 * A NAD naming a DPUServiceIPAM that does not exist, or one its controller
 * refused (bad pool, overlap), writes nothing anywhere and says which in its
 * Ready condition: a network whose addresses cannot come is not half-made.
 */
import type * as k8s from '@kubernetes/client-node';
import { conditionOf, setCondition } from '../model/resources/conditions';
import { matchesSelector } from '../model/resources/label-selector';
import { refOf, type DpuClusterResource, type KubeCondition } from '../model/resources/common';
import {
  NAD_FINALIZER,
  type DpuServiceIpamResource,
  type DpuServiceNadResource,
  type IpamNodeBlock,
} from '../model/resources/service-ipam';
import {
  NAD_API_GROUP,
  NAD_API_VERSION,
  NAD_IPAM_ANNOTATION,
  NAD_OWNER_ANNOTATION,
  NAD_PLURAL,
  nadCniConfig,
  nadResourceName,
} from '../model/service-nad';
import { apiMessage, isNotFound, statusCode, type Kube } from '../platform/kube/client';
import { dpuClusterClient } from '../activities/kube/cluster-clients';
import { addFinalizer } from './object-workflow';

export interface NadLookups {
  nad(namespace: string, name: string): DpuServiceNadResource | undefined;
  ipam(namespace: string, name: string): DpuServiceIpamResource | undefined;
  clusters(namespace: string): DpuClusterResource[];
}

type Cond = Omit<KubeCondition, 'lastTransitionTime'>;

export class NadController {
  constructor(
    private readonly kube: Kube,
    private readonly look: NadLookups,
    private readonly log: (line: string) => void,
  ) {}

  async reconcile(namespace: string, name: string): Promise<void> {
    const nad = this.look.nad(namespace, name);
    if (!nad) return;
    if (nad.metadata.deletionTimestamp) return this.remove(nad);
    if (await addFinalizer(this.kube, 'DPUServiceNAD', nad.metadata, NAD_FINALIZER)) return;
    const generation = nad.metadata.generation ?? 1;

    let ipamSpec: DpuServiceIpamResource['spec'] | undefined;
    let ipamNodes: IpamNodeBlock[] = [];
    if (nad.spec.ipam) {
      const ipam = this.look.ipam(namespace, nad.spec.ipam);
      const refused =
        ipam &&
        ['Invalid', 'Overlapping'].includes(conditionOf(ipam.status?.conditions, 'Ready')?.reason ?? '');
      if (!ipam || refused) {
        const why = !ipam
          ? `spec.ipam ${nad.spec.ipam}: DPUServiceIPAM ${namespace}/${nad.spec.ipam} does not exist: create it or fix spec.ipam`
          : `spec.ipam ${nad.spec.ipam}: DPUServiceIPAM ${nad.spec.ipam} is refused (${conditionOf(ipam.status?.conditions, 'Ready')?.message}): fix it first`;
        await this.writeStatus(
          nad,
          nad.status?.dpuClusters ?? [],
          notReady('WaitingForIPAM', why, generation),
        );
        return;
      }
      ipamSpec = ipam.spec;
      ipamNodes = ipam.status?.nodes ?? [];
    }

    const config = JSON.stringify(nadCniConfig(name, nad.spec, ipamSpec, ipamNodes));
    const picked = this.look
      .clusters(namespace)
      .filter(
        (c) =>
          !c.metadata.deletionTimestamp && matchesSelector(nad.spec.dpuClusterSelector, c.metadata.labels),
      )
      .map((c) => c.metadata.name)
      .sort();
    const written: string[] = [];
    const problems: string[] = [];
    for (const cluster of picked) {
      try {
        await this.writeNad(namespace, cluster, nad, config);
        written.push(cluster);
      } catch (err) {
        problems.push(`DPU cluster ${cluster}: ${problemOf(err)}`);
      }
    }
    // Clusters it was written to before that the selector no longer picks.
    for (const cluster of (nad.status?.dpuClusters ?? []).filter((c) => !picked.includes(c))) {
      try {
        await this.deleteNad(namespace, cluster, name);
      } catch (err) {
        problems.push(`DPU cluster ${cluster} (no longer selected): ${problemOf(err)}`);
        written.push(cluster);
      }
    }
    const cond: Cond =
      problems.length > 0
        ? notReady('DpuClusterWriteFailed', problems.join('; '), generation)
        : {
            type: 'Ready',
            status: 'True',
            reason: 'Written',
            message:
              picked.length > 0
                ? `NetworkAttachmentDefinition ${namespace}/${name} in DPU clusters ${picked.join(', ')}`
                : 'no DPUCluster selected',
            observedGeneration: generation,
          };
    await this.writeStatus(nad, written.sort(), cond);
  }

  private async remove(nad: DpuServiceNadResource): Promise<void> {
    const namespace = nad.metadata.namespace ?? '';
    const i = (nad.metadata.finalizers ?? []).indexOf(NAD_FINALIZER);
    if (i < 0) return;
    for (const cluster of nad.status?.dpuClusters ?? []) {
      // A DPUCluster already gone has taken its NADs with it.
      if (!this.look.clusters(namespace).some((c) => c.metadata.name === cluster)) continue;
      await this.deleteNad(namespace, cluster, nad.metadata.name);
    }
    await this.kube.jsonPatch('DPUServiceNAD', refOf(nad.metadata), [
      { op: 'test', path: `/metadata/finalizers/${i}`, value: NAD_FINALIZER },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ]);
    this.log(`DPUServiceNAD ${nad.metadata.name}: NetworkAttachmentDefinitions removed, finalizer released`);
  }

  private async client(namespace: string, cluster: string): Promise<Kube> {
    const { kube } = await dpuClusterClient(
      this.kube,
      { namespace, name: cluster },
      { fixMissing: 'create it or fix the DPUServiceNAD spec.dpuClusterSelector' },
    );
    return kube;
  }

  private async writeNad(
    namespace: string,
    cluster: string,
    nad: DpuServiceNadResource,
    config: string,
  ): Promise<void> {
    const dpu = await this.client(namespace, cluster);
    const name = nad.metadata.name;
    try {
      await dpu.core.createNamespace({ body: { metadata: { name: namespace } } });
    } catch (err) {
      if (statusCode(err) !== 409) throw err;
    }
    const resource = nadResourceName(nad.spec);
    const metadata: k8s.V1ObjectMeta = {
      name,
      namespace,
      annotations: {
        [NAD_OWNER_ANNOTATION]: `${namespace}/${name}`,
        ...(nad.spec.ipam ? { [NAD_IPAM_ANNOTATION]: nad.spec.ipam } : {}),
        // Multus's device-plugin resource annotation, as DPF sets it for vf and sf networks.
        ...(resource ? { 'k8s.v1.cni.cncf.io/resourceName': resource } : {}),
      },
    };
    const where = { group: NAD_API_GROUP, version: NAD_API_VERSION, namespace, plural: NAD_PLURAL };
    const existing = (await dpu.custom.getNamespacedCustomObject({ ...where, name }).catch((err: unknown) => {
      if (isNotFound(err) && !/could not find the requested resource/.test(apiMessage(err))) return undefined;
      throw err;
    })) as { metadata?: k8s.V1ObjectMeta; spec?: { config?: string } } | undefined;
    if (!existing) {
      await dpu.custom.createNamespacedCustomObject({
        ...where,
        body: {
          apiVersion: `${NAD_API_GROUP}/${NAD_API_VERSION}`,
          kind: 'NetworkAttachmentDefinition',
          metadata,
          spec: { config },
        },
      });
      this.log(`DPUServiceNAD ${name}: NetworkAttachmentDefinition made in DPU cluster ${cluster}`);
      return;
    }
    const owner = existing.metadata?.annotations?.[NAD_OWNER_ANNOTATION];
    if (owner !== `${namespace}/${name}`)
      throw new Error(
        `a NetworkAttachmentDefinition ${namespace}/${name} that xpuflow did not make is there: rename the DPUServiceNAD or delete that one`,
      );
    const sameAnnotations = Object.entries(metadata.annotations ?? {}).every(
      ([k, v]) => existing.metadata?.annotations?.[k] === v,
    );
    if (existing.spec?.config === config && sameAnnotations) return;
    await dpu.custom.replaceNamespacedCustomObject({
      ...where,
      name,
      body: {
        apiVersion: `${NAD_API_GROUP}/${NAD_API_VERSION}`,
        kind: 'NetworkAttachmentDefinition',
        metadata: { ...metadata, resourceVersion: existing.metadata?.resourceVersion },
        spec: { config },
      },
    });
    this.log(`DPUServiceNAD ${name}: NetworkAttachmentDefinition updated in DPU cluster ${cluster}`);
  }

  private async deleteNad(namespace: string, cluster: string, name: string): Promise<void> {
    const dpu = await this.client(namespace, cluster);
    try {
      await dpu.custom.deleteNamespacedCustomObject({
        group: NAD_API_GROUP,
        version: NAD_API_VERSION,
        namespace,
        plural: NAD_PLURAL,
        name,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async writeStatus(nad: DpuServiceNadResource, clusters: string[], cond: Cond): Promise<void> {
    const cur = conditionOf(nad.status?.conditions, 'Ready');
    const same =
      cur?.status === cond.status &&
      cur.reason === cond.reason &&
      cur.message === cond.message &&
      cur.observedGeneration === cond.observedGeneration &&
      (nad.status?.dpuClusters ?? []).join(',') === clusters.join(',');
    if (same) return;
    if (cond.status === 'False' && cur?.message !== cond.message)
      await this.kube.event(
        { kind: 'DPUServiceNAD', ref: refOf(nad.metadata) },
        'Warning',
        cond.reason,
        cond.message,
      );
    await this.kube.patchStatus('DPUServiceNAD', refOf(nad.metadata), {
      observedGeneration: cond.observedGeneration,
      dpuClusters: clusters,
      conditions: setCondition(nad.status?.conditions, cond, new Date().toISOString()),
    });
  }
}

function notReady(reason: string, message: string, generation: number): Cond {
  return { type: 'Ready', status: 'False', reason, message, observedGeneration: generation };
}

/** What went wrong writing to a DPU cluster, worded for a person. */
function problemOf(err: unknown): string {
  const msg = apiMessage(err);
  if (isNotFound(err) && /could not find the requested resource|404 page not found/.test(msg))
    return `the NetworkAttachmentDefinition CRD (${NAD_PLURAL}.${NAD_API_GROUP}) is not installed there: install Multus`;
  return msg;
}
