/**
 * Makes this host's Node say what sysfs holds: one scan, one merge patch of
 * the Node's own labels and annotations (node-record.ts), and a Warning
 * Event on the Node for each Mellanox function that looks like a DPU but is
 * in no ID list, the first time it is seen. The patch carries the Node's
 * resourceVersion, so a concurrent writer makes it fail (409) and it is
 * computed again from what that writer left, rather than undoing it.
 */
import type * as k8s from '@kubernetes/client-node';
import { statusCode, type Kube } from '../../platform/kube/client';
import { UNRECOGNISED_DEVICES_ANNOTATION, nodePatchFor, type NodeMetadataPatch } from './node-record';
import { scanSysfs, type SysfsScan, type UnrecognisedDevice } from './scan-sysfs';
import type { XpuId } from './pci-ids';

export interface NodeSyncResult {
  scan: SysfsScan;
  /** The patch written, or undefined when the Node already said it. */
  patch?: NodeMetadataPatch;
  /** Unrecognised functions reported (logged and an Event) in this pass. */
  reported: UnrecognisedDevice[];
}

/** Kubelets post Node events in the default namespace (`kubectl describe node` shows them). */
const NODE_EVENT_NAMESPACE = 'default';
const CONFLICT_RETRIES = 3;

export async function syncNodeDevices(opts: {
  kube: Kube;
  node: string;
  sysfsRoot: string;
  ids: readonly XpuId[];
  /** How long a vanished card keeps its label (node-record.ts). Default 0: removed at once. */
  removeAfterMs?: number;
  log?: (line: string) => void;
}): Promise<NodeSyncResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const scan = scanSysfs(opts.sysfsRoot, opts.ids);
  // Reported before the patch that records them, so a failed patch means a
  // second report next pass, never none.
  const reported: UnrecognisedDevice[] = [];
  for (let attempt = 1; ; attempt++) {
    const node = await opts.kube.getNode(opts.node);
    if (!node) {
      throw new Error(
        `node ${opts.node} does not exist in the cluster: --node must be this host's Kubernetes node name`,
      );
    }
    const before = node.metadata?.annotations?.[UNRECOGNISED_DEVICES_ANNOTATION];
    const patch = nodePatchFor(scan, node.metadata ?? {}, {
      now: new Date(),
      removeAfterMs: opts.removeAfterMs ?? 0,
    });
    if (!patch) return { scan, reported };
    for (const u of scan.unrecognised) {
      if (alreadyReported(before, u) || reported.includes(u)) continue;
      const message = unrecognisedMessage(u);
      log(`discovery on ${opts.node}: ${message}`);
      await nodeWarning(opts.kube, node, 'UnrecognisedDevice', message);
      reported.push(u);
    }
    try {
      await opts.kube.patchNode(opts.node, {
        metadata: {
          resourceVersion: node.metadata?.resourceVersion,
          labels: patch.labels,
          annotations: patch.annotations,
        },
      });
    } catch (err) {
      if (statusCode(err) === 409 && attempt < CONFLICT_RETRIES) continue;
      throw new Error(`cannot patch node ${opts.node}'s DPU labels: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { scan, patch, reported };
  }
}

export function unrecognisedMessage(u: UnrecognisedDevice): string {
  return (
    `PCI function ${u.pciAddress} (${u.vendorId}:${u.deviceId}) looks like a DPU but is in no xPU ID list, ` +
    `so it is not labelled: if it is one, add --xpu-id ${u.vendorId}:${u.deviceId}=MODEL ` +
    `(chart: hostWorker.discovery.extraIds)`
  );
}

function alreadyReported(annotation: string | undefined, u: UnrecognisedDevice): boolean {
  if (!annotation) return false;
  let list: unknown;
  try {
    list = JSON.parse(annotation);
  } catch (err) {
    // Someone wrote something that is not JSON there: this pass rewrites it.
    if (err instanceof SyntaxError) return false;
    throw err;
  }
  return (
    Array.isArray(list) &&
    list.some(
      (x: Partial<UnrecognisedDevice>) =>
        x?.pciAddress === u.pciAddress && x?.vendorId === u.vendorId && x?.deviceId === u.deviceId,
    )
  );
}

async function nodeWarning(kube: Kube, node: k8s.V1Node, reason: string, message: string): Promise<void> {
  const now = new Date();
  const name = node.metadata!.name!;
  await kube.core.createNamespacedEvent({
    namespace: NODE_EVENT_NAMESPACE,
    body: {
      metadata: { generateName: `${name}.`, namespace: NODE_EVENT_NAMESPACE },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Node',
        name,
        ...(node.metadata?.uid ? { uid: node.metadata.uid } : {}),
      },
      type: 'Warning',
      reason,
      message: message.slice(0, 1000),
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      source: { component: 'xpuflow-host-worker', host: name },
      reportingComponent: 'xpuflow-host-worker',
      reportingInstance: name,
    },
  });
}
