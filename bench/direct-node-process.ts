/**
 * The attach benchmark's direct baseline (bench/vf-attach.ts): the node-side
 * work of an attach with no Temporal in it, in a process of its own as the
 * host worker is. It serves the same two interfaces a node serves, with the
 * same checks, and does the same work, called directly:
 *   device plugin  (registered with the kubelet)  Allocate: the VF is in the pool; its
 *                  xPU side starts (OPI CreateBridgePort, MAC and VLAN), as a lease's
 *                  reservation starts at Allocate
 *   host agent     (the socket xpuflow-cni calls)  ADD: the request's checks (config,
 *                  ifname, container, pod, netns, IPAM result, pool and VF), then the
 *                  netns move while the xPU side finishes; DEL: the netns move back,
 *                  then OPI DeleteBridgePort
 * What it does not do is what Temporal adds: nothing of it is durable (a crash
 * loses the reservations), and nothing is seen from outside.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createNetdevActivities } from '../activities/netdev';
import { createOpiActivities } from '../activities/opi';
import { attachRequestOf } from '../node/cni/attach-request';
import { checkIfname, parseNetConf, podFromArgs } from '../node/cni/config';
import { CniCode, CniError } from '../node/cni/errors';
import { parseIpamResult } from '../node/cni/ipam-plugin';
import { addResult } from '../node/cni/result';
import { pciEnvName } from '../node/deviceplugin/allocate';
import { DeviceWatchers, devicesOf } from '../node/deviceplugin/list-and-watch';
import { discoverPool, resourceNameOf, type PoolConfig } from '../node/deviceplugin/pool';
import { bindOwnerOnly, registerWithKubelet } from '../node/deviceplugin/registration';
import { startHostAgentServer } from '../node/hostagent/server';
import { leaseMac } from '../model/vf';
import {
  devicePluginApi,
  type CniReply,
  type CniRequest__Output,
  type DevicePluginHandlers,
} from '../proto/load-vf';
import { serviceError } from '../proto/service-error';
import { serveUntilStopped } from './child-process';

export interface DirectNodeOptions {
  node: string;
  dpu: string;
  opiAddress: string;
  sysfsRoot: string;
  stateDir: string;
  /** The kubelet's device-plugin folder (kubelet.sock is in it). */
  kubeletDir: string;
  hostAgentSocket: string;
  pool: PoolConfig;
}

/** The bridge port of a VF, named as the VF lease names it (workflows/vf-lease/lease.ts). */
const bridgePortId = (node: string, pci: string) => `vf-${node}-${pci.replace(/[:.]/g, '-')}`;

async function startDirectNode(opts: DirectNodeOptions) {
  const resourceName = resourceNameOf(opts.pool);
  const vfs = await discoverPool(opts.sysfsRoot, opts.pool);
  const opi = createOpiActivities({ dpu: opts.dpu, opiAddress: opts.opiAddress });
  const netdev = createNetdevActivities({
    node: opts.node,
    sysfsRoot: opts.sysfsRoot,
    stateDir: opts.stateDir,
  });
  /** The xPU side of each allocated VF, started by Allocate. */
  const reservations = new Map<string, Promise<unknown>>();
  const reserve = (pci: string) => {
    const p = opi.opiEnsureBridgePort({
      id: bridgePortId(opts.node, pci),
      mac: leaseMac(opts.node, pci),
      vlan: opts.pool.vlan,
    });
    // Awaited (and so reported) by the ADD of this VF; until then, say it failed
    // rather than leave an unhandled rejection.
    p.catch((err: unknown) => console.error(`OPI bridge port for ${pci} failed: ${String(err)}`));
    reservations.set(pci, p);
    return p;
  };

  const api = devicePluginApi();
  const watchers = new DeviceWatchers();
  const server = new grpc.Server();
  server.addService(api.DevicePlugin.service, {
    GetDevicePluginOptions: (_call, cb) =>
      cb(null, { preStartRequired: false, getPreferredAllocationAvailable: false }),
    ListAndWatch: (call) => watchers.watch(call, devicesOf(vfs)),
    GetPreferredAllocation: (_call, cb) => cb(null, { containerResponses: [] }),
    Allocate: (call, cb) => {
      const containerResponses = [];
      for (const r of call.request.containerRequests) {
        for (const id of r.devicesIds) {
          if (!vfs.some((v) => v.pciAddress === id)) {
            cb(serviceError(grpc.status.INVALID_ARGUMENT, `device ${id} is not in pool ${resourceName}`));
            return;
          }
          reserve(id);
        }
        containerResponses.push({
          envs: { [pciEnvName(resourceName)]: r.devicesIds.join(',') },
          devices: [],
        });
      }
      cb(null, { containerResponses });
    },
    PreStartContainer: (_call, cb) => cb(null, {}),
  } satisfies DevicePluginHandlers);
  const pluginSocket = path.join(opts.kubeletDir, `direct-${opts.pool.name}.sock`);
  await bindOwnerOnly(server, pluginSocket);
  await registerWithKubelet(api, path.join(opts.kubeletDir, 'kubelet.sock'), pluginSocket, resourceName);

  const add = async (req: CniRequest__Output): Promise<string> => {
    const conf = parseNetConf(req.configJson);
    checkIfname(req.ifname);
    if (!req.containerId) throw new CniError(CniCode.InvalidEnv, 'CNI_CONTAINERID is empty');
    const pod = podFromArgs(req.args);
    if (!req.netns || !fs.existsSync(req.netns))
      throw new CniError(CniCode.UnknownContainer, `CNI_NETNS ${JSON.stringify(req.netns)} does not exist`);
    if (!req.ipamResultJson)
      throw new CniError(CniCode.InvalidConfig, 'the ADD request carries no IPAM result');
    const ipam = parseIpamResult(conf.ipam.type, req.ipamResultJson);
    if (conf.resourceName !== resourceName)
      throw new CniError(CniCode.InvalidConfig, `resourceName ${conf.resourceName} is not ${resourceName}`);
    // As the host agent does (cni-add.ts findVf): the pool as sysfs has it now.
    const now = await discoverPool(opts.sysfsRoot, opts.pool);
    const vf = now.find((v) => v.pciAddress === conf.deviceID);
    if (!vf)
      throw new CniError(CniCode.InvalidConfig, `deviceID ${conf.deviceID} is not a VF of ${resourceName}`);
    const [record] = await Promise.all([
      netdev.attachVfNetdev({
        ...attachRequestOf(req, conf, ipam, pod),
        pciAddress: vf.pciAddress,
        mac: leaseMac(opts.node, vf.pciAddress),
      }),
      reservations.get(vf.pciAddress) ?? reserve(vf.pciAddress),
    ]);
    return addResult(conf.cniVersion, record, ipam);
  };

  const del = async (req: CniRequest__Output): Promise<void> => {
    const conf = parseNetConf(req.configJson, { forDel: true });
    await netdev.detachVfNetdev({ pciAddress: conf.deviceID });
    await opi.opiDeleteBridgePort({ id: bridgePortId(opts.node, conf.deviceID) });
    reservations.delete(conf.deviceID);
  };

  const agent = await startHostAgentServer(opts.hostAgentSocket, async (req): Promise<CniReply> => {
    try {
      if (req.command === 'ADD') return { resultJson: await add(req) };
      if (req.command === 'DEL') {
        await del(req);
        return {};
      }
      throw new CniError(
        CniCode.InvalidEnv,
        `CNI_COMMAND ${req.command}: the direct baseline does ADD and DEL`,
      );
    } catch (err) {
      const e = err instanceof CniError ? err : new CniError(CniCode.IoFailure, (err as Error).message);
      return { errorCode: e.code, errorMsg: e.message, errorDetails: e.details };
    }
  });

  return {
    ready: { pluginSocket },
    stop: async () => {
      watchers.endAll();
      server.forceShutdown();
      fs.rmSync(pluginSocket, { force: true });
      await agent.stop();
    },
  };
}

serveUntilStopped(startDirectNode);
