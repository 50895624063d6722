/**
 * What a discovery scan found, written to Kubernetes: a DPUDevice per
 * BlueField BMC (created, or updated when its versions or addresses moved),
 * placed on its host by serial number (model/dpu-host-match.ts: the host's
 * node discovery records each card's VPD serial on its Node), a DPUNode per
 * host that holds found DPUs, the discovery's own DPUDevices the scan did
 * not reach marked Reachable False (kept, never deleted: a BMC rebooting or a
 * cable pulled is not a DPU gone), and the DPUDiscovery's status.
 *
 * A serial no host reports gives a DPUDevice without a DPUNode, condition
 * HostFound False naming the serial; a serial several hosts report, or
 * several BMCs, is named in the DPUDiscovery's HostsMatched condition and
 * nothing is placed on a guess. A device placed by an earlier scan keeps its
 * place until a host reports its serial again (a DPUSet does not delete a DPU
 * because a host's record was briefly unreadable).
 */
import { setCondition } from '../../model/resources/conditions';
import { isConflict, isNotFound, type Kube } from '../../platform/kube/client';
import { refOf, type KubeCondition, type ObjectRef } from '../../model/resources/common';
import { matchHost, serialKey, sharedSerials, type HostMatch } from '../../model/dpu-host-match';
import { hostFoundCondition, hostRecords, type Placement } from './dpu-device-host';
import {
  DISCOVERED_CONDITION,
  DPU_DISCOVERY_LABEL,
  DPU_NODE_REF_LABEL,
  HOST_FOUND_CONDITION,
  HOSTS_MATCHED_CONDITION,
  REACHABLE_CONDITION,
  type DpuDeviceResource,
  type DpuDeviceStatus,
  type DpuNodeResource,
} from '../../model/resources/dpu-discovery';
import {
  dpuDeviceName,
  dpuNodeName,
  type ApplyDiscoveryResult,
  type FoundBmc,
} from '../../model/dpu-discovery-api';

/** DPUDevices written at once by one scan's write-back. */
const DEVICE_WRITES_AT_ONCE = 8;

export interface ApplyDiscoveryInput {
  discovery: ObjectRef;
  generation: number;
  found: FoundBmc[];
  scanned: number;
  /** BlueField BMCs the scan could not make a DPUDevice of (an empty serial): `ip:port: why`. */
  unusable?: string[];
  dpuDeviceLabels: Record<string, string>;
  workflowId: string;
}

export interface DiscoveryFailureReport {
  discovery: ObjectRef;
  generation: number;
  message: string;
  workflowId: string;
}

/** The status a found BMC gives its DPUDevice (conditions apart). */
function deviceStatus(discovery: string, bmc: FoundBmc, at: Placement, now: string): DpuDeviceStatus {
  return {
    serialNumber: bmc.serialNumber,
    bmcIp: bmc.address,
    bmcPort: bmc.port,
    manufacturer: bmc.manufacturer,
    model: bmc.model,
    firmwareVersions: bmc.firmwareVersions,
    ...(at.pciAddress ? { pciAddress: at.pciAddress } : {}),
    ...(at.node ? { dpuNode: dpuNodeName(at.node) } : {}),
    ...(bmc.certSha256 ? { bmcCertSha256: bmc.certSha256 } : {}),
    discovery,
    lastSeenTime: now,
  };
}

/** Whether anything but the time the device was last seen changed. */
function changed(before: DpuDeviceStatus | undefined, after: DpuDeviceStatus): boolean {
  const canonical = (s: DpuDeviceStatus | undefined) => {
    const { lastSeenTime: _t, conditions: _c, firmwareVersions, ...rest } = s ?? {};
    const sorted = (o: Record<string, unknown>) =>
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]);
    return JSON.stringify([sorted(rest), sorted(firmwareVersions ?? {})]);
  };
  return canonical(before) !== canonical(after);
}

function withCondition(
  list: KubeCondition[] | undefined,
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: string,
): KubeCondition[] {
  return setCondition(list, { type, status, reason, message }, now);
}

export function discoveryReportActivities(kube: () => Kube) {
  /** Creates or updates one DPUDevice; which of the two it was, or undefined when nothing changed. */
  async function applyDevice(
    input: ApplyDiscoveryInput,
    bmc: FoundBmc,
    match: HostMatch,
    now: string,
  ): Promise<{ outcome: 'created' | 'updated' | undefined; at: Placement }> {
    const k = kube();
    const ns = input.discovery.namespace;
    const name = dpuDeviceName(bmc.serialNumber);
    let cur = await k.get<DpuDeviceResource>('DPUDevice', { namespace: ns, name });
    // A host reporting the serial places it; otherwise an earlier scan's place is kept.
    const at: Placement =
      match.kind === 'host'
        ? { node: match.node, pciAddress: match.pciAddress, match }
        : {
            ...(cur?.status?.dpuNode ? { node: cur.status.dpuNode } : {}),
            ...(cur?.status?.pciAddress ? { pciAddress: cur.status.pciAddress } : {}),
            match,
          };
    const labels: Record<string, string> = {
      ...input.dpuDeviceLabels,
      [DPU_DISCOVERY_LABEL]: input.discovery.name,
      ...(at.node ? { [DPU_NODE_REF_LABEL]: dpuNodeName(at.node) } : {}),
    };
    let outcome: 'created' | 'updated' | undefined;
    if (!cur) {
      try {
        cur = await k.create<DpuDeviceResource>('DPUDevice', ns, {
          metadata: { name, labels },
          spec: { serialNumber: bmc.serialNumber, bmcIp: bmc.address, bmcPort: bmc.port },
        });
        outcome = 'created';
      } catch (err) {
        // Another scan (a retried activity) created it meanwhile: update that one.
        if (!isConflict(err)) throw err;
        cur = (await k.get<DpuDeviceResource>('DPUDevice', { namespace: ns, name }))!;
      }
    }
    const specMoved = cur.spec.bmcIp !== bmc.address || cur.spec.bmcPort !== bmc.port;
    const labelsMoved = Object.entries(labels).some(([key, v]) => cur!.metadata.labels?.[key] !== v);
    if (specMoved || labelsMoved)
      await k.patch('DPUDevice', refOf(cur.metadata), {
        metadata: { labels },
        spec: { bmcIp: bmc.address, bmcPort: bmc.port },
      });
    const status = deviceStatus(input.discovery.name, bmc, at, now);
    const wasReachable = cur.status?.conditions?.find((c) => c.type === REACHABLE_CONDITION)?.status;
    const hostWas = cur.status?.conditions?.find((c) => c.type === HOST_FOUND_CONDITION);
    const host = hostFoundCondition(bmc.serialNumber, at);
    if (!outcome && (specMoved || changed(cur.status, status))) outcome = 'updated';
    let conditions = withCondition(
      cur.status?.conditions,
      DISCOVERED_CONDITION,
      'True',
      'Discovered',
      `BlueField BMC at ${bmc.address}:${bmc.port} reports serial ${bmc.serialNumber} (${bmc.model})`,
      now,
    );
    conditions = withCondition(
      conditions,
      REACHABLE_CONDITION,
      'True',
      'Reachable',
      `answered scan of DPUDiscovery ${input.discovery.name} (${input.workflowId})`,
      now,
    );
    conditions = withCondition(conditions, HOST_FOUND_CONDITION, host.status, host.reason, host.message, now);
    if (!outcome && (hostWas?.status !== host.status || hostWas.reason !== host.reason)) outcome = 'updated';
    await k.patchStatus('DPUDevice', refOf(cur.metadata), { ...status, conditions });
    const ref = refOf(cur.metadata);
    if (host.status === 'False' && hostWas?.message !== host.message)
      await k.event({ kind: 'DPUDevice', ref }, 'Warning', host.reason, host.message);
    else if (host.status === 'True' && hostWas?.status === 'False')
      await k.event({ kind: 'DPUDevice', ref }, 'Normal', host.reason, host.message);
    if (outcome === 'created')
      await k.event(
        { kind: 'DPUDevice', ref },
        'Normal',
        'Discovered',
        `found BMC ${bmc.address}:${bmc.port}`,
      );
    else if (wasReachable === 'False')
      await k.event(
        { kind: 'DPUDevice', ref },
        'Normal',
        'Reachable',
        `BMC ${bmc.address}:${bmc.port} answers again`,
      );
    return { outcome, at };
  }

  /**
   * One DPUNode per host a found device is placed on, listing the DPUDevices
   * in it (a device no longer found stays listed); its kubeNodeRef is the host's Node.
   */
  async function applyNodes(
    input: ApplyDiscoveryInput,
    placed: ReadonlyArray<{ device: string; node: string }>,
  ): Promise<string[]> {
    const k = kube();
    const ns = input.discovery.namespace;
    const byHost = new Map<string, { kubeNode: string; devices: string[] }>();
    for (const p of placed) {
      const name = dpuNodeName(p.node);
      const entry = byHost.get(name) ?? { kubeNode: p.node, devices: [] };
      entry.devices.push(p.device);
      byHost.set(name, entry);
    }
    for (const [name, { kubeNode, devices }] of byHost) {
      const cur = await k.get<DpuNodeResource>('DPUNode', { namespace: ns, name });
      const dpus = [...new Set([...(cur?.spec.dpus ?? []).map((d) => d.name), ...devices])].sort();
      const labels = { [DPU_DISCOVERY_LABEL]: input.discovery.name };
      if (!cur) {
        try {
          await k.create('DPUNode', ns, {
            metadata: { name, labels },
            spec: { dpus: dpus.map((n) => ({ name: n })) },
          });
        } catch (err) {
          if (!isConflict(err)) throw err;
          await k.patch(
            'DPUNode',
            { namespace: ns, name },
            { spec: { dpus: dpus.map((n) => ({ name: n })) } },
          );
        }
      } else if (JSON.stringify(cur.spec.dpus?.map((d) => d.name)) !== JSON.stringify(dpus)) {
        await k.patch('DPUNode', { namespace: ns, name }, { spec: { dpus: dpus.map((n) => ({ name: n })) } });
      }
      if (cur?.status?.dpuInstallInterface !== 'redfish' || cur.status.kubeNodeRef !== kubeNode)
        await k.patchStatus(
          'DPUNode',
          { namespace: ns, name },
          { dpuInstallInterface: 'redfish', kubeNodeRef: kubeNode },
        );
    }
    return [...byHost.keys()].sort();
  }

  /** The discovery's DPUDevices the scan did not reach: Reachable False, kept. Names of those newly marked and of all unreachable. */
  async function markUnreachable(
    input: ApplyDiscoveryInput,
    now: string,
  ): Promise<{ newly: string[]; all: string[] }> {
    const k = kube();
    const seen = new Set(input.found.map((b) => dpuDeviceName(b.serialNumber)));
    const mine = await k.list<DpuDeviceResource>(
      'DPUDevice',
      input.discovery.namespace,
      `${DPU_DISCOVERY_LABEL}=${input.discovery.name}`,
    );
    const newly: string[] = [];
    const all: string[] = [];
    for (const d of mine) {
      if (seen.has(d.metadata.name)) continue;
      all.push(d.metadata.name);
      const cond = d.status?.conditions?.find((c) => c.type === REACHABLE_CONDITION);
      if (cond?.status === 'False') continue;
      const where = `${d.status?.bmcIp ?? d.spec.bmcIp}:${d.status?.bmcPort ?? d.spec.bmcPort}`;
      const message = `BMC ${where} did not answer the scan of DPUDiscovery ${input.discovery.name} (${input.workflowId}); the DPUDevice is kept: check the BMC's power and network, or delete the DPUDevice if the DPU was removed`;
      try {
        await k.patchStatus('DPUDevice', refOf(d.metadata), {
          conditions: withCondition(
            d.status?.conditions,
            REACHABLE_CONDITION,
            'False',
            'Unreachable',
            message,
            now,
          ),
        });
        await k.event({ kind: 'DPUDevice', ref: refOf(d.metadata) }, 'Warning', 'Unreachable', message);
        newly.push(d.metadata.name);
      } catch (err) {
        // Deleted by an operator between the list and the patch: nothing to mark.
        if (!isNotFound(err)) throw err;
      }
    }
    return { newly, all };
  }

  return {
    /** Writes a scan's findings: DPUDevices, DPUNodes, unreachable marks and the DPUDiscovery's status. */
    async kubeApplyDiscovery(input: ApplyDiscoveryInput): Promise<ApplyDiscoveryResult> {
      const now = new Date().toISOString();
      const k = kube();
      const created: string[] = [];
      const updated: string[] = [];
      const placed: Array<{ device: string; node: string }> = [];
      const withoutHost: string[] = [];
      const problems: string[] = [];
      // One card has one BMC: a serial several BMCs report is written for none of them.
      const shared = sharedSerials(input.found);
      for (const [serial, where] of shared)
        problems.push(
          `serial ${serial} is reported by several BMCs (${where.join(', ')}): no DPUDevice is written for it`,
        );
      const usable = input.found.filter((b) => !shared.has(serialKey(b.serialNumber)));
      const hosts = await hostRecords(k);
      // A few devices at once: each is several API calls, and the API server takes them in parallel.
      for (let i = 0; i < usable.length; i += DEVICE_WRITES_AT_ONCE) {
        const batch = usable.slice(i, i + DEVICE_WRITES_AT_ONCE);
        const results = await Promise.all(
          batch.map((bmc) => applyDevice(input, bmc, matchHost(bmc.serialNumber, hosts), now)),
        );
        batch.forEach((bmc, j) => {
          const device = dpuDeviceName(bmc.serialNumber);
          const { outcome, at } = results[j];
          if (outcome === 'created') created.push(device);
          if (outcome === 'updated') updated.push(device);
          if (at.match.kind === 'host') placed.push({ device, node: at.match.node });
          else withoutHost.push(device);
          if (at.match.kind !== 'host')
            problems.push(`DPUDevice ${device}: ${hostFoundCondition(bmc.serialNumber, at).message}`);
        });
      }
      for (const why of input.unusable ?? []) problems.push(`BMC ${why}`);
      const nodes = await applyNodes(input, placed);
      const unreachable = await markUnreachable(input, now);
      const disc = await k.get<{ status?: { conditions?: KubeCondition[] } }>(
        'DPUDiscovery',
        input.discovery,
      );
      if (disc) {
        const matched = problems.length
          ? {
              status: 'False' as const,
              reason: 'HostsNotMatched',
              message: problems.join('; ').slice(0, 4000),
            }
          : {
              status: 'True' as const,
              reason: 'HostsMatched',
              message: `every found DPU is placed on the host that reports its serial`,
            };
        const matchedWas = disc.status?.conditions?.find((c) => c.type === HOSTS_MATCHED_CONDITION);
        let conditions = withCondition(
          disc.status?.conditions,
          'ScanSucceeded',
          'True',
          'Scanned',
          `${input.scanned} address:port pairs scanned, ${input.found.length} BlueField BMCs found, ${unreachable.all.length} known DPUDevices unreachable`,
          now,
        );
        conditions = withCondition(
          conditions,
          HOSTS_MATCHED_CONDITION,
          matched.status,
          matched.reason,
          matched.message,
          now,
        );
        await k.patchStatus('DPUDiscovery', input.discovery, {
          observedGeneration: input.generation,
          lastScanTime: now,
          foundDPUs: input.found.length,
          unreachableDPUs: unreachable.all.length,
          addressesScanned: input.scanned,
          lastScanWorkflowId: input.workflowId,
          conditions,
        });
        if (matched.status === 'False' && matchedWas?.message !== matched.message)
          await k.event(
            { kind: 'DPUDiscovery', ref: input.discovery },
            'Warning',
            matched.reason,
            matched.message,
          );
      }
      return {
        created,
        updated,
        unreachable: unreachable.newly,
        nodes,
        withoutHost,
        conflicts: [...shared].map(([serial, where]) => `${serial}: ${where.join(', ')}`),
      };
    },

    /** A scan that failed for good (credentials Secret missing, bad range): the DPUDiscovery's condition and an Event say why. */
    async kubeReportDiscoveryFailure(r: DiscoveryFailureReport): Promise<void> {
      const k = kube();
      const disc = await k.get<{ status?: { conditions?: KubeCondition[] } }>('DPUDiscovery', r.discovery);
      if (!disc) return;
      await k.patchStatus('DPUDiscovery', r.discovery, {
        observedGeneration: r.generation,
        lastScanWorkflowId: r.workflowId,
        conditions: withCondition(
          disc.status?.conditions,
          'ScanSucceeded',
          'False',
          'ScanFailed',
          r.message,
          new Date().toISOString(),
        ),
      });
      await k.event({ kind: 'DPUDiscovery', ref: r.discovery }, 'Warning', 'ScanFailed', r.message);
    },
  };
}
