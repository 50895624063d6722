/**
 * From a DPU object to the spec its flows run with: the BFB's URL and
 * sha256, the flavor's VFs and bf.cfg content, the DMS address on the host node. What cannot be
 * resolved is a problem the DPU's status shows (and nothing starts).
 */
import type * as k8s from '@kubernetes/client-node';
import type {
  BfbResource,
  DpuClusterResource,
  DpuFlavorResource,
  DpuResource,
} from '../model/resources/common';
import { clusterSeatProblem } from '../model/dpu-cluster';
import { refOf } from '../model/resources/common';
import { flavorContentOf } from '../model/dpu-flavor';
import { PCI_LABEL_PREFIX, reportedPciAddresses } from '../model/resources/pci-labels';
import type { DpuSpec, ProvisionTiming } from '../model/dpu';
import { installPathProblems } from '../model/install-path';

export interface ResolveSettings {
  dmsBasePort: number;
  dmsImage: string;
  workflowUrl: (workflowId: string) => string | undefined;
  timing?: Partial<ProvisionTiming>;
  readyTimeoutSeconds?: number;
}

export interface Lookups {
  bfb(namespace: string, name: string): BfbResource | undefined;
  flavor(namespace: string, name: string): DpuFlavorResource | undefined;
  node(name: string): k8s.V1Node | undefined;
  /** The DPUCluster a DPU names and the DPUs of a namespace: for maxNodes (without them it is not checked). */
  cluster?(namespace: string, name: string): DpuClusterResource | undefined;
  dpus?(namespace: string): DpuResource[];
}

export type Resolved =
  { spec: DpuSpec } | { problem: { phase: 'Pending' | 'Error'; reason: string; message: string } };

export function resolveDpu(
  dpu: DpuResource,
  look: Lookups,
  s: ResolveSettings,
  lifecycleId: string,
): Resolved {
  const ns = dpu.metadata.namespace ?? 'default';
  const { spec } = dpu;
  // First: a DPU without a seat in its DPUCluster starts nothing, whatever else it waits for.
  const cluster = spec.cluster && look.cluster?.(ns, spec.cluster.name);
  const full = cluster && look.dpus ? clusterSeatProblem(dpu, cluster, look.dpus(ns)) : undefined;
  if (full) return { problem: { phase: 'Pending', reason: 'DpuClusterFull', message: full } };
  const bfb = look.bfb(ns, spec.bfb);
  if (!bfb) {
    return {
      problem: {
        phase: 'Pending',
        reason: 'BFBNotFound',
        message: `waiting for BFB ${spec.bfb} in namespace ${ns}: create it or fix spec.bfb`,
      },
    };
  }
  const flavor = spec.flavor ? look.flavor(ns, spec.flavor) : undefined;
  if (spec.flavor && !flavor) {
    return {
      problem: {
        phase: 'Pending',
        reason: 'FlavorNotFound',
        message: `waiting for DPUFlavor ${spec.flavor} in namespace ${ns}: create it or fix spec.flavor`,
      },
    };
  }
  // The DPU's own installPath wins over its flavor's; the redfish path needs the DPU's BMC.
  const installPath = spec.installPath ?? flavor?.spec.installPath;
  const pathProblems = installPathProblems({ installPath, bmc: spec.bmc });
  if (pathProblems.length > 0) {
    const from = spec.installPath ? 'spec.installPath' : `DPUFlavor ${spec.flavor}'s installPath`;
    return {
      problem: {
        phase: 'Error',
        reason: 'InstallPathInvalid',
        message: `DPU ${dpu.metadata.name} takes installPath ${installPath} from ${from}: ${pathProblems.join('; ')}; set spec.bmc or choose installPath gnoi`,
      },
    };
  }
  const node = look.node(spec.nodeName);
  if (!node) {
    return {
      problem: {
        phase: 'Error',
        reason: 'NodeNotFound',
        message: `node ${spec.nodeName} does not exist: fix spec.nodeName (DPU ${dpu.metadata.name})`,
      },
    };
  }
  const pci = spec.pciAddress.toLowerCase();
  const reported = reportedPciAddresses(node.metadata?.labels);
  const index = reported.indexOf(pci);
  if (index < 0) {
    return {
      problem: {
        phase: 'Error',
        reason: 'PCIAddressNotReported',
        message: `node ${spec.nodeName} does not report a DPU at ${pci} (it reports ${reported.length ? reported.join(', ') : 'none'} through ${PCI_LABEL_PREFIX}<n> labels): fix spec.pciAddress or the node's labels`,
      },
    };
  }
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) {
    return {
      problem: {
        phase: 'Error',
        reason: 'NodeAddressUnknown',
        message: `node ${spec.nodeName} reports no InternalIP: DMS cannot be reached on it`,
      },
    };
  }
  const port = spec.dmsPort ?? s.dmsBasePort + index;
  const generation = dpu.metadata.generation ?? 1;
  const url = s.workflowUrl(lifecycleId);
  return {
    spec: {
      name: dpu.metadata.name,
      node: spec.nodeName,
      pciAddress: pci,
      bfb: { url: bfb.spec.url, sha256: bfb.spec.sha256 },
      dmsAddress: ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`,
      numVfs: spec.numVfs ?? flavor?.spec.numVfs ?? 0,
      automaticReboot: spec.automaticReboot ?? true,
      ...(installPath === 'redfish' ? { installPath, bmc: spec.bmc } : {}),
      bfCfg: {
        hostname: dpu.metadata.name,
        ...(flavor && Object.keys(flavorContentOf(flavor.spec)).length > 0
          ? { flavor: flavorContentOf(flavor.spec) }
          : {}),
      },
      ...(s.timing ? { timing: s.timing } : {}),
      kube: {
        ref: refOf(dpu.metadata),
        generation,
        ...(url ? { workflowUrl: url } : {}),
        ...(spec.nodeEffect ? { nodeEffect: spec.nodeEffect } : {}),
        ...(spec.cluster ? { cluster: spec.cluster } : {}),
        dmsPort: port,
        dmsImage: s.dmsImage,
        ...(s.readyTimeoutSeconds ? { readyTimeoutSeconds: s.readyTimeoutSeconds } : {}),
      },
    },
  };
}
