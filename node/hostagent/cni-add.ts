/**
 * CNI ADD: every check that can refuse runs before anything changes; then
 * ADD joins (or starts) the VF's lease and asks it, by update-with-start, to attach with
 * the addresses of the IPAM result xpuflow-cni sends (it ran the IPAM plugin
 * first, and releases the addresses itself when this fails). A failure is
 * reported with the CNI code that says whether a retry can help.
 * Its undo is CNI DEL (cni-del.ts).
 */
import * as fs from 'node:fs';
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { attachRequestOf } from '../cni/attach-request';
import { checkIfname, parseNetConf, podFromArgs, type NetConf } from '../cni/config';
import { CniCode, CniError } from '../cni/errors';
import { parseIpamResult, type IpamResult } from '../cni/ipam-plugin';
import { addResult } from '../cni/result';
import { discoverPool, resourceNameOf, xpuSideOf, type PoolConfig, type PoolVf } from '../deviceplugin/pool';
import { leaseMac, podKey, type PodRef } from '../../model/vf';
import type { CniRequest__Output } from '../../proto/load-vf';
import { attachWithStart } from './leases';
import { rootMessage, type CniState } from './cni-state';

/** The VF an ADD asks for, once every check has passed. */
interface AddTarget {
  conf: NetConf;
  /** What the IPAM plugin gave this container (xpuflow-cni ran it). */
  ipam: IpamResult;
  pod: PodRef;
  pool: PoolConfig;
  vf: PoolVf;
}

export async function cniAdd(state: CniState, req: CniRequest__Output, version: string): Promise<string> {
  const target = await checkAdd(state, req);
  const { pod, vf } = target;
  try {
    const record = await attachToLease(state, req, target);
    return addResult(version, record, target.ipam);
  } catch (err) {
    throw addFailure(err, vf.pciAddress, pod);
  }
}

/** The checks of the request itself, then of the pool and the VF it names. */
async function checkAdd(state: CniState, req: CniRequest__Output): Promise<AddTarget> {
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
  if (!req.ipamResultJson)
    throw new CniError(
      CniCode.InvalidConfig,
      "the ADD request carries no IPAM result: it did not come from an xpuflow-cni of this release (it runs the IPAM plugin first); install the xpuflow-cni executable of the host worker's image",
    );
  const ipam = parseIpamResult(conf.ipam.type, req.ipamResultJson);
  const { pool, vf } = await findVf(state, conf);
  return { conf, ipam, pod, pool, vf };
}

async function findVf(state: CniState, conf: NetConf): Promise<{ pool: PoolConfig; vf: PoolVf }> {
  const { opts } = state;
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
  return { pool, vf };
}

/**
 * Asks the VF's lease to attach, starting the lease for this pod when none is
 * running (no device plugin in the path, or it was released): one
 * update-with-start, whose update the running lease's validator may refuse.
 */
async function attachToLease(state: CniState, req: CniRequest__Output, target: AddTarget) {
  const { opts } = state;
  const { conf, ipam, pod, pool, vf } = target;
  return attachWithStart(
    opts.client,
    {
      node: opts.node,
      pciAddress: vf.pciAddress,
      resourceName: conf.resourceName,
      xpu: xpuSideOf(pool),
      mac: leaseMac(opts.node, vf.pciAddress),
      pod,
      attachTimeoutMs: opts.attachTimeoutMs,
    },
    attachRequestOf(req, conf, ipam, pod),
  );
}

/** The CNI error an ADD failure is reported as. */
function addFailure(err: unknown, pciAddress: string, pod: PodRef): CniError {
  if (err instanceof CniError) return err;
  if (
    err instanceof WorkflowUpdateFailedError &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === 'AttachFailed'
  ) {
    return new CniError(
      CniCode.IoFailure,
      `attaching VF ${pciAddress} to ${podKey(pod)} failed: ${err.cause.message}`,
    );
  }
  if (
    err instanceof WorkflowUpdateFailedError &&
    !(err.cause instanceof ApplicationFailure && err.cause.cause)
  ) {
    // refused by the lease's validator (leased to another pod, being released): nothing changed
    return new CniError(CniCode.InvalidConfig, rootMessage(err));
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new CniError(CniCode.TryAgainLater, `the lease of VF ${pciAddress} did not answer in time; retry`);
  }
  return new CniError(
    CniCode.IoFailure,
    `attaching VF ${pciAddress} to ${podKey(pod)} failed: ${rootMessage(err)}`,
  );
}
