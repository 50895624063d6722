/**
 * What the host agent does for each CNI command xpuflow-cni forwards. Every
 * check that can refuse runs before anything changes; ADD then joins (or
 * starts) the VF's lease and asks it, by update, to attach; DEL releases the
 * lease, or undoes ADD locally from its record when no lease is left.
 */
import * as fs from 'node:fs';
import {
  Client,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AttachRecords, detachNetdev, findLink } from '../../activities/netdev';
import { checkIfname, parseNetConf, podFromArgs } from '../cni/config';
import { CniCode, CniError, DEFAULT_CNI_VERSION } from '../cni/errors';
import { Ipam } from '../cni/ipam';
import { addResult } from '../cni/result';
import { discoverPool, resourceNameOf, type PoolConfig } from '../deviceplugin/pool';
import { attachUpdate, releaseUpdate } from '../../model/vf-lease-api';
import { leaseMac, podKey } from '../../model/vf';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { checkPciAddress } from '../../model/validation';
import type { CniReply, CniRequest__Output } from '../../proto/load-vf';
import { LeaseConflict, runningLease, startOrJoinLease } from './leases';

export interface CniHandlerOptions {
  client: Client;
  node: string;
  sysfsRoot: string;
  stateDir: string;
  pools: PoolConfig[];
  /** Lease attach timeout passed to new leases (default: the workflow's). */
  attachTimeoutMs?: number;
}

/** The failure's innermost message (an update's cause is an activity's cause is the application failure). */
function rootMessage(err: unknown): string {
  let e = err as Error & { cause?: unknown };
  while (e?.cause instanceof Error) e = e.cause as Error & { cause?: unknown };
  return e?.message ?? String(err);
}

export function createCniHandler(opts: CniHandlerOptions) {
  const records = new AttachRecords(`${opts.stateDir}/attach`);
  const ipam = new Ipam(opts.stateDir);

  async function add(req: CniRequest__Output, version: string): Promise<string> {
    const conf = parseNetConf(req.configJson);
    checkIfname(req.ifname);
    if (!req.containerId) throw new CniError(CniCode.InvalidEnv, 'CNI_CONTAINERID is empty');
    const pod = podFromArgs(req.args);
    if (!req.netns || !fs.existsSync(req.netns)) {
      throw new CniError(
        CniCode.UnknownContainer,
        `CNI_NETNS ${JSON.stringify(req.netns)} does not exist: the pod sandbox is gone or the path is wrong`,
      );
    }
    const pool = opts.pools.find((p) => resourceNameOf(p) === conf.resourceName);
    if (!pool) {
      throw new CniError(
        CniCode.InvalidConfig,
        `resourceName ${JSON.stringify(conf.resourceName)} is not a pool on node ${opts.node} (pools: ${opts.pools.map(resourceNameOf).join(', ') || 'none'})`,
      );
    }
    const vfs = await discoverPool(opts.sysfsRoot, pool);
    if (vfs.length === 0) {
      throw new CniError(
        CniCode.InvalidConfig,
        `pool ${conf.resourceName} matches no VF on node ${opts.node}: its selector ${JSON.stringify(pool.selector)} selects nothing; fix the selector or create VFs`,
      );
    }
    const vf = vfs.find((v) => v.pciAddress === conf.deviceID);
    if (!vf) {
      throw new CniError(
        CniCode.InvalidConfig,
        `deviceID ${conf.deviceID} is not a VF of pool ${conf.resourceName} on node ${opts.node} (its VFs: ${vfs.map((v) => v.pciAddress).join(', ')})`,
      );
    }
    const leaseInput = {
      node: opts.node,
      pciAddress: vf.pciAddress,
      resourceName: conf.resourceName,
      xpu: { dpu: pool.dpu, vlan: pool.vlan },
      mac: leaseMac(opts.node, vf.pciAddress),
      pod,
      attachTimeoutMs: opts.attachTimeoutMs,
    };
    const handle = opts.client.workflow.getHandle(vfLeaseWorkflowId(opts.node, vf.pciAddress));
    const ips = await ipam.allocate(conf.name, conf.ipam, req.containerId, req.ifname);
    const attach = () =>
      handle.executeUpdate(attachUpdate, {
        args: [
          {
            pod,
            containerId: req.containerId,
            netns: req.netns,
            ifname: req.ifname,
            mtu: conf.mtu,
            addresses: ips.addresses,
            routes: ips.routes,
          },
        ],
      });
    try {
      let record;
      try {
        // The usual case: Allocate started the lease; the update joins it (its validator refuses another pod).
        record = await attach();
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        // No lease running (no device plugin in the path, or it was released): start one for this pod.
        await startOrJoinLease(opts.client, leaseInput);
        record = await attach();
      }
      return addResult(version, record, ips.routes);
    } catch (err) {
      await ipam.release(conf.name, req.containerId, req.ifname);
      if (err instanceof CniError) throw err;
      if (err instanceof LeaseConflict) throw new CniError(CniCode.InvalidConfig, err.message);
      if (
        err instanceof WorkflowUpdateFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === 'AttachFailed'
      ) {
        throw new CniError(
          CniCode.IoFailure,
          `attaching VF ${vf.pciAddress} to ${podKey(pod)} failed: ${err.cause.message}`,
        );
      }
      if (
        err instanceof WorkflowUpdateFailedError &&
        !(err.cause instanceof ApplicationFailure && err.cause.cause)
      ) {
        // refused by the lease's validator (leased to another pod, being released): nothing changed
        throw new CniError(CniCode.InvalidConfig, rootMessage(err));
      }
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        throw new CniError(
          CniCode.TryAgainLater,
          `the lease of VF ${vf.pciAddress} did not answer in time; retry`,
        );
      }
      throw new CniError(
        CniCode.IoFailure,
        `attaching VF ${vf.pciAddress} to ${podKey(pod)} failed: ${rootMessage(err)}`,
      );
    }
  }

  async function del(req: CniRequest__Output): Promise<void> {
    const conf = parseNetConf(req.configJson, { forDel: true });
    let pod;
    try {
      pod = podFromArgs(req.args);
    } catch {
      pod = undefined; // DEL does its best without one
    }
    const record = await records.findByContainer(req.containerId, req.ifname || undefined);
    const pci =
      record?.pciAddress ?? (checkPciAddress(conf.deviceID) === undefined ? conf.deviceID : undefined);
    if (pci) {
      const lease = await runningLease(opts.client, opts.node, pci).catch((err: Error) => {
        throw new CniError(CniCode.TryAgainLater, `cannot reach the lease of VF ${pci}: ${err.message}`);
      });
      const ours =
        lease &&
        (lease.containerId === req.containerId || (pod && lease.pod && podKey(lease.pod) === podKey(pod)));
      if (lease && ours) {
        try {
          await opts.client.workflow
            .getHandle(vfLeaseWorkflowId(opts.node, pci))
            .executeUpdate(releaseUpdate, {
              args: [
                { reason: `CNI DEL of container ${req.containerId}`, pod, containerId: req.containerId },
              ],
            });
        } catch (err) {
          if (!(err instanceof WorkflowUpdateFailedError)) {
            throw new CniError(
              CniCode.TryAgainLater,
              `releasing VF ${pci} did not finish: ${rootMessage(err)}; DEL again`,
            );
          }
        }
      } else if (record) {
        await detachNetdev(record);
      }
      if (record) await records.remove(record.pciAddress);
    }
    if (conf.name) await ipam.release(conf.name, req.containerId, req.ifname || undefined);
  }

  async function check(req: CniRequest__Output): Promise<void> {
    parseNetConf(req.configJson);
    const record = await records.findByContainer(req.containerId, req.ifname);
    if (!record)
      throw new CniError(
        CniCode.UnknownContainer,
        `container ${req.containerId} has no VF attached as ${req.ifname}`,
      );
    const lease = await runningLease(opts.client, opts.node, record.pciAddress);
    if (!lease || lease.phase !== 'Attached') {
      throw new CniError(
        CniCode.IoFailure,
        `VF ${record.pciAddress} of container ${req.containerId} has no attached lease (${lease?.phase ?? 'none'})`,
      );
    }
    const link = await findLink(req.ifname, req.netns).catch(() => undefined);
    if (!link) throw new CniError(CniCode.IoFailure, `netns ${req.netns} has no interface ${req.ifname}`);
    if (link.address !== record.mac)
      throw new CniError(CniCode.IoFailure, `${req.ifname} has MAC ${link.address}, not ${record.mac}`);
    for (const a of record.addresses) {
      if (!link.addresses.includes(a.address))
        throw new CniError(CniCode.IoFailure, `${req.ifname} lacks address ${a.address}`);
    }
  }

  return async function handle(req: CniRequest__Output): Promise<CniReply> {
    let version = DEFAULT_CNI_VERSION;
    try {
      version = (JSON.parse(req.configJson) as { cniVersion?: string }).cniVersion ?? version;
    } catch {
      // reported by parseNetConf
    }
    try {
      switch (req.command) {
        case 'ADD':
          return { resultJson: await add(req, version) };
        case 'DEL':
          await del(req);
          return {};
        case 'CHECK':
          await check(req);
          return {};
        default:
          throw new CniError(
            CniCode.InvalidEnv,
            `CNI_COMMAND ${JSON.stringify(req.command)} is not ADD, DEL, CHECK or VERSION`,
          );
      }
    } catch (err) {
      const e = err instanceof CniError ? err : new CniError(CniCode.IoFailure, (err as Error).message);
      return { errorCode: e.code, errorMsg: e.message, errorDetails: e.details };
    }
  };
}
