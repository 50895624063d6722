/**
 * A BlueField BMC simulator: a Redfish service over HTTPS (its own CA and
 * certificate, made at start) with sessions and Basic authentication,
 * accounts and roles, Systems/Bluefield with ComputerSystem.Reset,
 * Managers/Bluefield_BMC with Manager.Reset (a BMC reboot),
 * UpdateService.SimpleUpdate into the DPU_OS (rshim) target as a Task
 * (update-task.ts), FirmwareInventory with the versions the DPU reports after
 * it booted, ETags, and injected faults (faults.ts).
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { AccountStore, can, isRoleId, ROLES, type Caller, type Privilege } from './accounts';
import { makeBmcCertificate } from './certs';
import { BmcFaults, type UpdateFault } from './faults';
import {
  base,
  baseHeaders,
  describedByLink,
  errorBody,
  etagMatches,
  etagOf,
  type Json,
  type RedfishMessage,
} from './redfish-http';
import {
  CHASSIS,
  collection,
  DPU_OS_TARGET,
  FIRMWARE,
  MANAGER,
  metadataXml,
  odataServiceDocument,
  ROOT,
  SYSTEM,
  TOP_LEVEL,
} from './resources';
import { taskBody, taskMessages, type UpdateTask } from './update-task';
import { versionsInBfb } from '../../model/bfb-versions';

export interface BmcSimOptions {
  /** Default 127.0.0.1; discovery tests use 127.0.0.2…127.0.0.40. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 'root' / 'xpuflow-bmc'. */
  username?: string;
  password?: string;
  /**
   * The DPU's serial number (default MT2242X00001), in Chassis/Card1 and
   * Systems/Bluefield; '' plays a BMC that reports none. Like a real BMC, the
   * simulator says nothing of the DPU's host: discovery finds the host by this
   * serial in the host's PCI VPD (model/dpu-host-match.ts).
   */
  serial?: string;
  /** The DPU OS (BFB) version reported before any update. */
  bfbVersion?: string;
  bmcFirmwareVersion?: string;
  /** How the BMC fetches ImageURI (default: HTTP(S) GET, any certificate accepted). */
  imageFetch?: (uri: string) => Promise<Buffer>;
  /** The version the DPU reports after booting `image` (default: ImageURI's file name without .bfb). */
  versionOf?: (image: Buffer, imageUri: string) => string;
  /**
   * How many of the fetched bytes are the BFB; the bytes after it are the bf.cfg the DPU's installer
   * reads (recorded in updates()[i].bfCfg). A real BlueField finds the end of the BFB's images in
   * their headers; the test BFBs are not real ones, so the simulator is told. Default: all of it
   * (no bf.cfg).
   */
  bfbBytes?: number;
  /** How long the rshim push of the BFB runs (task Running), default 1. */
  flashSeconds?: number;
  /** How long the DPU boots after an install or a reset before it reports OsIsRunning, default 0.5. */
  bootSeconds?: number;
}

export interface BmcSim {
  /** https://host:port */
  url: string;
  host: string;
  port: number;
  /** The CA that signed the simulator's certificate (pin it). */
  caPem: string;
  /** SHA-256 of the leaf certificate (DER), hex. */
  certSha256: string;
  username: string;
  password: string;
  /** SimpleUpdate requests that started a task (exactly-one-flash checks). */
  updateCount(): number;
  /** ComputerSystem.Reset requests that were carried out. */
  resetCount(): number;
  /** The DPU OS version the DPU reports now (the new one only once it booted). */
  installedVersion(): string;
  /** The update tasks started so far (a copy), newest last; a BMC reboot forgets them, this list does not. */
  updates(): Array<{ id: string; imageUri: string; state: string; bfCfg?: string }>;
  /** Reboots the BMC now: connections refused for faults.rebootSeconds, sessions and tasks lost. */
  rebootBmc(): void;
  /** TLS connections accepted so far (a client that keeps its connection makes one per session). */
  connectionCount(): number;
  /** Closes every open connection now, as a BMC's web server does to idle keep-alive connections. */
  dropConnections(): void;
  faults: BmcFaults;
  stop(): Promise<void>;
}

const MAX_BODY = 1 << 20;
const HTTP_TRANSFER = ['HTTP', 'HTTPS'];
/** ComputerSystem.Reset types NVIDIA's BMC accepts for the DPU (DPF's ResetRequest, client.go above). */
const SYSTEM_RESET_TYPES = [
  'On',
  'ForceOff',
  'GracefulShutdown',
  'GracefulRestart',
  'ForceRestart',
  'PowerCycle',
];
const MANAGER_RESET_TYPES = ['GracefulRestart', 'ForceRestart'];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly msg: RedfishMessage,
    readonly headers: Record<string, string> = {},
  ) {
    super(msg.Message);
  }
}

interface Reply {
  status: number;
  body?: Json;
  headers?: Record<string, string>;
}

/** One resource: its body for GET and what else it accepts. */
interface Route {
  get(): Json;
  patch?(body: Json, caller: Caller): Reply;
  post?(body: Json, caller: Caller): Promise<Reply> | Reply;
  delete?(caller: Caller): Reply;
  /** The privilege each method needs beyond Login (checked before the handler). */
  needs?: Partial<Record<'PATCH' | 'POST' | 'DELETE', Privilege>>;
  public?: boolean;
}

function defaultVersionOf(_image: Buffer, uri: string): string {
  const last = decodeURIComponent(new URL(uri).pathname.split('/').pop() ?? '');
  return last.replace(/\.bfb$/i, '') || uri;
}

async function httpGet(uri: string): Promise<Buffer> {
  const u = new URL(uri);
  const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
  if (!mod) throw new Error(`ImageURI scheme ${u.protocol} is not HTTP or HTTPS`);
  return new Promise((resolve, reject) => {
    const req = mod.get(u, { rejectUnauthorized: false, timeout: 30_000 }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${uri} answered ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${uri} timed out`)));
    req.on('error', reject);
  });
}

export async function startBmcSim(opts: BmcSimOptions = {}): Promise<BmcSim> {
  const host = opts.host ?? '127.0.0.1';
  const username = opts.username ?? 'root';
  const password = opts.password ?? 'xpuflow-bmc';
  const serial = opts.serial ?? 'MT2242X00001';
  const flashMs = (opts.flashSeconds ?? 1) * 1000;
  const bootMs = (opts.bootSeconds ?? 0.5) * 1000;
  const imageFetch = opts.imageFetch ?? httpGet;
  const versionOf = opts.versionOf ?? defaultVersionOf;
  const cert = makeBmcCertificate(host);
  const faults = new BmcFaults();
  const store = new AccountStore(username, password);
  const uuid = store.uuid();

  // The DPU as the BMC sees it.
  let dpuVersion = opts.bfbVersion ?? '4.9.1-13776';
  // DPU_BSP and DPU_UEFI: what the DPU's BSP and UEFI report; after a BFB install, the BFB's
  // (NVIDIA DPF checks them against the BFB's embedded inventory, model/bfb-versions.ts).
  let bspVersion = '4.9.1.13776';
  let uefiVersion = '4.9.1-13-g1a5f1e0';
  const bmcVersion = opts.bmcFirmwareVersion ?? 'BF-24.10-17';
  let bootState: 'OsIsRunning' | 'OsStarting' | 'InRecovery' = 'OsIsRunning';
  let powerState: 'On' | 'Off' = 'On';
  let assetTag = '';
  let updates = 0;
  let resets = 0;
  let nextTaskId = 0;
  const tasks = new Map<string, UpdateTask>();
  const history: UpdateTask[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let rebooting = false;
  let stopped = false;

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };

  const boot = (then: () => void): void => {
    bootState = 'OsStarting';
    powerState = 'On';
    later(bootMs, () => {
      then();
      bootState = 'OsIsRunning';
    });
  };

  // ---------- the update task ----------
  const finish = (t: UpdateTask, state: 'Completed' | 'Exception', msgs: RedfishMessage[]): void => {
    t.state = state;
    t.status = state === 'Completed' ? 'OK' : 'Critical';
    t.messages.push(
      ...msgs,
      state === 'Completed' ? taskMessages.completedOk(t) : taskMessages.completedWarning(t),
    );
    t.end = new Date().toISOString();
  };

  const runUpdate = async (t: UpdateTask, fault: UpdateFault | undefined): Promise<void> => {
    const target = t.targets[0] ?? DPU_OS_TARGET;
    let image: Buffer;
    try {
      if (fault === 'image-fetch-fails') throw new Error('injected fault: the image server did not answer');
      image = await imageFetch(t.imageUri);
    } catch (err) {
      finish(t, 'Exception', [taskMessages.transferFailed(t.imageUri, target, (err as Error).message)]);
      return;
    }
    if (stopped || !tasks.has(t.id)) return;
    if (fault === 'bfb-rejected') {
      finish(t, 'Exception', [taskMessages.verificationFailed(target, t.imageUri)]);
      return;
    }
    t.messages.push(taskMessages.transferringToComponent(t.imageUri, target));
    // The BMC pushes the whole stream into the DPU's rshim boot device; the BFB's installer reads the
    // bf.cfg that follows the BFB (NVIDIA's bfb-install sends `cat ${bfb} ${cfg}` the same way:
    // Mellanox/rshim-user-space scripts/bfb-install, push_boot_stream_via_local_rshim,
    // @ f0470d98361dbdb4fbe1785f59e47264d3576623; on the DPU, bfcfg "processes a config file passed
    // over the rshim device" into /etc/bf.cfg: Mellanox/bfscripts README.md
    // @ 2e8bd6bb2cc4a4248b29630f8f631a83f3f322a2, bfcfg @ 1ece87d21bc35ebc273c865ec81c1fb89af8d8c9).
    if (opts.bfbBytes !== undefined && image.length > opts.bfbBytes) {
      t.bfCfg = image.subarray(opts.bfbBytes).toString('utf8');
      image = image.subarray(0, opts.bfbBytes);
    }
    const newVersion = versionOf(image, t.imageUri);
    // A BFB without the embedded inventory (a test image) flashes no new BSP or UEFI here.
    let installed: ReturnType<typeof versionsInBfb>;
    try {
      installed = versionsInBfb(image);
    } catch {
      installed = undefined; // an inventory that does not parse: the DPU still boots the BFB's OS
    }
    const steps = 10;
    for (let i = 1; i <= steps; i++) {
      await new Promise<void>((resolve) => later(flashMs / steps, resolve));
      if (stopped || !tasks.has(t.id)) return; // the BMC rebooted: the task is gone with it
      if (i === steps / 2 && fault === 'task-exception') {
        finish(t, 'Exception', [taskMessages.rshimFailed(target)]);
        return;
      }
      if (i === steps / 2 && fault === 'bmc-reboots') {
        rebootBmc();
        return;
      }
      t.percent = Math.round((i * 100) / steps);
      if (i < steps) t.messages.push(taskMessages.progress(t, t.percent));
    }
    finish(t, 'Completed', [taskMessages.updateSuccessful(target, t.imageUri)]);
    // The BFB's installer runs on the DPU and reboots it into the new OS.
    boot(() => {
      dpuVersion = newVersion;
      if (installed?.bsp) bspVersion = installed.bsp;
      if (installed?.uefi) uefiVersion = installed.uefi;
    });
  };

  const simpleUpdate = (body: Json): Reply => {
    const imageUri = body.ImageURI;
    if (typeof imageUri !== 'string' || imageUri === '')
      throw new HttpError(400, base.propertyMissing('ImageURI'));
    let parsed: URL;
    try {
      parsed = new URL(imageUri);
    } catch {
      throw new HttpError(400, base.actionParameterNotSupported(imageUri, 'ImageURI'));
    }
    const proto = body.TransferProtocol ?? parsed.protocol.replace(':', '').toUpperCase();
    if (typeof proto !== 'string' || !HTTP_TRANSFER.includes(proto))
      throw new HttpError(400, base.actionParameterNotSupported(String(proto), 'TransferProtocol'));
    const targets = body.Targets ?? [];
    if (
      !Array.isArray(targets) ||
      targets.length !== 1 ||
      String(targets[0]).replace(/^\//, '') !== DPU_OS_TARGET
    )
      throw new HttpError(400, base.actionParameterNotSupported(JSON.stringify(targets), 'Targets'));
    // One install at a time: a second SimpleUpdate while one runs is refused with 400 "Another update
    // is in progress" (DPF's mock BMC, NVIDIA/doca-platform
    // internal/provisioning/controllers/dpu/state/redfish/mock/redfish.go @ 1d985ad0550b6fc34a59d6a3ccd242352401ab54).
    if ([...tasks.values()].some((x) => x.state === 'Running'))
      throw new HttpError(400, base.updateInProgress());
    const t: UpdateTask = {
      id: String(nextTaskId++),
      imageUri,
      transferProtocol: proto,
      targets: targets.map(String),
      state: 'Running',
      status: 'OK',
      percent: 0,
      messages: [],
      start: new Date().toISOString(),
      gave204: false,
      payload: {
        TargetUri: `${ROOT}/UpdateService/Actions/UpdateService.SimpleUpdate`,
        HttpOperation: 'POST',
        JsonBody: JSON.stringify(body),
      },
    };
    t.messages.push(taskMessages.started(t));
    tasks.set(t.id, t);
    history.push(t);
    updates++;
    void runUpdate(t, faults.takeUpdateFault()).catch((err: Error) => {
      finish(t, 'Exception', [base.general(`simulator error: ${err.message}`)]);
    });
    return {
      status: 202,
      body: taskBody(t),
      headers: { Location: `${ROOT}/TaskService/TaskMonitors/${t.id}`, 'Retry-After': '1' },
    };
  };

  // ---------- resources ----------
  const account = (id: string): Json => {
    const a = store.accounts.get(id);
    if (!a) throw new HttpError(404, base.notFound('ManagerAccount', id));
    return {
      '@odata.type': '#ManagerAccount.v1_10_0.ManagerAccount',
      '@odata.id': `${ROOT}/AccountService/Accounts/${a.id}`,
      Id: a.id,
      Name: 'User Account',
      UserName: a.userName,
      Password: null,
      RoleId: a.roleId,
      Enabled: a.enabled,
      Locked: a.locked,
      PasswordChangeRequired: a.passwordChangeRequired,
      AccountTypes: ['Redfish'],
      Links: { Role: { '@odata.id': `${ROOT}/AccountService/Roles/${a.roleId}` } },
    };
  };

  const patchAccount = (id: string, body: Json, caller: Caller): Reply => {
    const a = store.accounts.get(id);
    if (!a) throw new HttpError(404, base.notFound('ManagerAccount', id));
    const self = caller.account.id === a.id;
    const onlyPassword = Object.keys(body).every((k) => k === 'Password');
    if (!can(caller, 'ConfigureUsers') && !(self && onlyPassword && can(caller, 'ConfigureSelf')))
      throw new HttpError(403, base.insufficientPrivilege());
    const bad: RedfishMessage[] = [];
    const apply: Array<() => void> = [];
    for (const [k, v] of Object.entries(body)) {
      if (k === 'Password' && typeof v === 'string' && v.length >= 8)
        apply.push(() => {
          a.password = v;
          a.passwordChangeRequired = false;
        });
      else if (k === 'Password') bad.push(base.propertyValueNotInList('(hidden)', k));
      else if (k === 'RoleId' && isRoleId(v)) apply.push(() => (a.roleId = v));
      else if (k === 'RoleId') bad.push(base.propertyValueNotInList(String(v), k));
      else if (k === 'Enabled' && typeof v === 'boolean') apply.push(() => (a.enabled = v));
      else if (k === 'Locked' && v === false) apply.push(() => (a.locked = false));
      else if (k === 'UserName' && typeof v === 'string' && v !== '')
        apply.push(() => {
          a.userName = v;
        });
      else if (
        ['Id', 'Name', 'AccountTypes', 'Links', 'PasswordChangeRequired'].includes(k) ||
        k.startsWith('@odata')
      )
        bad.push(base.propertyNotWritable(k));
      else if (['Enabled', 'Locked', 'UserName'].includes(k))
        bad.push(base.propertyValueNotInList(String(v), k));
      else bad.push(base.propertyUnknown(k));
    }
    return patchResult(apply, bad, () => account(id));
  };

  /** DSP0266 PATCH: apply what can be applied; 400 when nothing could, 200 with the messages otherwise. */
  const patchResult = (apply: Array<() => void>, bad: RedfishMessage[], after: () => Json): Reply => {
    if (apply.length === 0 && bad.length > 0 && bad.every((m) => /^@odata/.test(m.MessageArgs[0] ?? '')))
      return { status: 400, body: errorBody(base.noOperation()) };
    if (apply.length === 0 && bad.length > 0)
      return {
        status: 400,
        body: { error: { code: bad[0].MessageId, message: bad[0].Message, '@Message.ExtendedInfo': bad } },
      };
    for (const f of apply) f();
    const body = after();
    return { status: 200, body: bad.length ? { ...body, '@Message.ExtendedInfo': bad } : body };
  };

  const firmware: Record<string, () => { name: string; version: string; updateable: boolean }> = {
    BMC_Firmware: () => ({ name: 'Software Inventory', version: bmcVersion, updateable: true }),
    DPU_OS: () => ({ name: 'DPU OS', version: dpuVersion, updateable: true }),
    DPU_NIC: () => ({ name: 'DPU NIC', version: '32.43.1014', updateable: false }),
    DPU_UEFI: () => ({ name: 'DPU UEFI', version: uefiVersion, updateable: false }),
    DPU_BSP: () => ({ name: 'DPU BSP', version: bspVersion, updateable: false }),
  };

  const route = (path: string): Route | undefined => {
    const statics: Record<string, Route> = {
      [ROOT]: {
        public: true,
        get: () => ({
          '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
          '@odata.id': ROOT,
          Id: 'RootService',
          Name: 'Root Service',
          RedfishVersion: '1.17.0',
          UUID: uuid,
          // DPF tells BlueField-3 from BlueField-4 by ServiceRoot.Product (RootServiceInfo.IsBF4, client.go above).
          Product: 'BlueField-3 DPU',
          Vendor: 'Nvidia',
          ProtocolFeaturesSupported: {
            ExcerptQuery: false,
            ExpandQuery: { ExpandAll: false, Levels: false, Links: false, NoLinks: false },
            FilterQuery: false,
            OnlyMemberQuery: false,
            SelectQuery: false,
          },
          ...Object.fromEntries(Object.entries(TOP_LEVEL).map(([k, v]) => [k, { '@odata.id': v }])),
          Links: { Sessions: { '@odata.id': `${ROOT}/SessionService/Sessions` } },
        }),
      },
      [TOP_LEVEL.Systems]: {
        get: () =>
          collection(TOP_LEVEL.Systems, 'ComputerSystemCollection', 'Computer System Collection', [SYSTEM]),
      },
      [SYSTEM]: {
        get: () => ({
          '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
          '@odata.id': SYSTEM,
          Id: 'Bluefield',
          Name: 'Bluefield',
          SystemType: 'DPU',
          Manufacturer: 'Nvidia',
          Model: 'BlueField-3 DPU',
          SerialNumber: serial,
          AssetTag: assetTag,
          PowerState: powerState,
          // DPF waits for OemLastState "OsIsRunning" after an install (installing.go above).
          BootProgress: {
            LastState: bootState === 'OsIsRunning' ? 'OSRunning' : 'OSBootStarted',
            OemLastState: bootState,
          },
          Status: { State: bootState === 'OsIsRunning' ? 'Enabled' : 'Starting', Health: 'OK' },
          Links: { ManagedBy: [{ '@odata.id': MANAGER }], Chassis: [{ '@odata.id': CHASSIS }] },
          Actions: {
            '#ComputerSystem.Reset': {
              target: `${SYSTEM}/Actions/ComputerSystem.Reset`,
              'ResetType@Redfish.AllowableValues': SYSTEM_RESET_TYPES,
            },
          },
        }),
        needs: { PATCH: 'ConfigureComponents' },
        patch: (body) => {
          const bad: RedfishMessage[] = [];
          const apply: Array<() => void> = [];
          for (const [k, v] of Object.entries(body)) {
            if (k === 'AssetTag' && typeof v === 'string') apply.push(() => (assetTag = v));
            else if (k === 'AssetTag') bad.push(base.propertyValueNotInList(String(v), k));
            else if (
              ['Id', 'Name', 'SerialNumber', 'PowerState', 'Model', 'Manufacturer'].includes(k) ||
              k.startsWith('@odata')
            )
              bad.push(base.propertyNotWritable(k));
            else bad.push(base.propertyUnknown(k));
          }
          return patchResult(apply, bad, () => statics[SYSTEM].get());
        },
      },
      [`${SYSTEM}/Actions/ComputerSystem.Reset`]: {
        get: () => {
          throw new HttpError(405, base.methodNotAllowed(), { Allow: 'POST' });
        },
        needs: { POST: 'ConfigureComponents' },
        post: (body) => {
          const type = body.ResetType;
          if (typeof type !== 'string') throw new HttpError(400, base.propertyMissing('ResetType'));
          if (!SYSTEM_RESET_TYPES.includes(type))
            throw new HttpError(400, base.actionParameterNotSupported(type, 'ResetType'));
          resets++;
          if (type === 'ForceOff' || type === 'GracefulShutdown') powerState = 'Off';
          else boot(() => undefined);
          return { status: 204 };
        },
      },
      [TOP_LEVEL.Chassis]: {
        get: () => collection(TOP_LEVEL.Chassis, 'ChassisCollection', 'Chassis Collection', [CHASSIS]),
      },
      [CHASSIS]: {
        get: () => ({
          '@odata.type': '#Chassis.v1_23_0.Chassis',
          '@odata.id': CHASSIS,
          Id: 'Card1',
          Name: 'Card1',
          ChassisType: 'Card',
          Manufacturer: 'Nvidia',
          Model: 'BlueField-3 DPU',
          PartNumber: '900-9D3B6-00CV-AA0',
          SerialNumber: serial,
          Status: { State: 'Enabled', Health: 'OK' },
          Links: { ComputerSystems: [{ '@odata.id': SYSTEM }], ManagedBy: [{ '@odata.id': MANAGER }] },
        }),
      },
      [TOP_LEVEL.Managers]: {
        get: () => collection(TOP_LEVEL.Managers, 'ManagerCollection', 'Manager Collection', [MANAGER]),
      },
      [MANAGER]: {
        get: () => ({
          '@odata.type': '#Manager.v1_17_0.Manager',
          '@odata.id': MANAGER,
          Id: 'Bluefield_BMC',
          Name: 'OpenBmc Manager',
          ManagerType: 'BMC',
          FirmwareVersion: bmcVersion,
          UUID: uuid,
          Model: 'OpenBmc',
          PowerState: 'On',
          Status: { State: 'Enabled', Health: 'OK' },
          Links: {
            ManagerForServers: [{ '@odata.id': SYSTEM }],
            ManagerForChassis: [{ '@odata.id': CHASSIS }],
          },
          Actions: {
            '#Manager.Reset': {
              target: `${MANAGER}/Actions/Manager.Reset`,
              'ResetType@Redfish.AllowableValues': MANAGER_RESET_TYPES,
            },
          },
        }),
      },
      [`${MANAGER}/Actions/Manager.Reset`]: {
        get: () => {
          throw new HttpError(405, base.methodNotAllowed(), { Allow: 'POST' });
        },
        needs: { POST: 'ConfigureManager' },
        post: (body) => {
          const type = body.ResetType ?? 'GracefulRestart';
          if (typeof type !== 'string' || !MANAGER_RESET_TYPES.includes(type))
            throw new HttpError(400, base.actionParameterNotSupported(String(type), 'ResetType'));
          later(50, () => rebootBmc());
          return { status: 204 };
        },
      },
      [TOP_LEVEL.UpdateService]: {
        get: () => ({
          '@odata.type': '#UpdateService.v1_11_0.UpdateService',
          '@odata.id': TOP_LEVEL.UpdateService,
          Id: 'UpdateService',
          Name: 'Update Service',
          ServiceEnabled: true,
          Status: { State: 'Enabled', Health: 'OK' },
          FirmwareInventory: { '@odata.id': FIRMWARE },
          Actions: {
            '#UpdateService.SimpleUpdate': {
              target: `${ROOT}/UpdateService/Actions/UpdateService.SimpleUpdate`,
              // NVIDIA's BMC also takes SCP; the simulator fetches over HTTP(S) only.
              'TransferProtocol@Redfish.AllowableValues': HTTP_TRANSFER,
            },
          },
        }),
      },
      [`${ROOT}/UpdateService/Actions/UpdateService.SimpleUpdate`]: {
        get: () => {
          throw new HttpError(405, base.methodNotAllowed(), { Allow: 'POST' });
        },
        needs: { POST: 'ConfigureComponents' },
        post: (body) => simpleUpdate(body),
      },
      [FIRMWARE]: {
        get: () =>
          collection(
            FIRMWARE,
            'SoftwareInventoryCollection',
            'Software Inventory Collection',
            Object.keys(firmware).map((id) => `${FIRMWARE}/${id}`),
          ),
      },
      [TOP_LEVEL.TaskService]: {
        get: () => ({
          '@odata.type': '#TaskService.v1_2_0.TaskService',
          '@odata.id': TOP_LEVEL.TaskService,
          Id: 'TaskService',
          Name: 'Task Service',
          ServiceEnabled: true,
          CompletedTaskOverWritePolicy: 'Oldest',
          LifeCycleEventOnTaskStateChange: true,
          Status: { State: 'Enabled', Health: 'OK' },
          Tasks: { '@odata.id': `${TOP_LEVEL.TaskService}/Tasks` },
        }),
      },
      [`${TOP_LEVEL.TaskService}/Tasks`]: {
        get: () =>
          collection(
            `${TOP_LEVEL.TaskService}/Tasks`,
            'TaskCollection',
            'Task Collection',
            [...tasks.keys()].map((id) => `${TOP_LEVEL.TaskService}/Tasks/${id}`),
          ),
      },
      [TOP_LEVEL.SessionService]: {
        get: () => ({
          '@odata.type': '#SessionService.v1_1_8.SessionService',
          '@odata.id': TOP_LEVEL.SessionService,
          Id: 'SessionService',
          Name: 'Session Service',
          ServiceEnabled: true,
          SessionTimeout: store.sessionTimeoutSeconds,
          Status: { State: 'Enabled', Health: 'OK' },
          Sessions: { '@odata.id': `${TOP_LEVEL.SessionService}/Sessions` },
        }),
        needs: { PATCH: 'ConfigureManager' },
        patch: (body) => {
          const bad: RedfishMessage[] = [];
          const apply: Array<() => void> = [];
          for (const [k, v] of Object.entries(body)) {
            if (k === 'SessionTimeout' && typeof v === 'number' && v >= 30 && v <= 86400)
              apply.push(() => (store.sessionTimeoutSeconds = v));
            else if (k === 'SessionTimeout') bad.push(base.propertyValueNotInList(String(v), k));
            else if (['Id', 'Name', 'Sessions', 'ServiceEnabled'].includes(k) || k.startsWith('@odata'))
              bad.push(base.propertyNotWritable(k));
            else bad.push(base.propertyUnknown(k));
          }
          return patchResult(apply, bad, () => statics[TOP_LEVEL.SessionService].get());
        },
      },
      [`${TOP_LEVEL.SessionService}/Sessions`]: {
        get: () =>
          collection(
            `${TOP_LEVEL.SessionService}/Sessions`,
            'SessionCollection',
            'Session Collection',
            [...store.sessions.keys()].map((id) => `${TOP_LEVEL.SessionService}/Sessions/${id}`),
          ),
        // Logging in needs no authentication (handled before routing); this is reached with credentials only.
        post: (body) => login(body),
      },
      [TOP_LEVEL.AccountService]: {
        get: () => ({
          '@odata.type': '#AccountService.v1_12_0.AccountService',
          '@odata.id': TOP_LEVEL.AccountService,
          Id: 'AccountService',
          Name: 'Account Service',
          ServiceEnabled: true,
          MinPasswordLength: 8,
          MaxPasswordLength: 20,
          AccountLockoutThreshold: 0,
          AccountLockoutDuration: 0,
          LocalAccountAuth: 'Enabled',
          Status: { State: 'Enabled', Health: 'OK' },
          Accounts: { '@odata.id': `${TOP_LEVEL.AccountService}/Accounts` },
          Roles: { '@odata.id': `${TOP_LEVEL.AccountService}/Roles` },
        }),
      },
      [`${TOP_LEVEL.AccountService}/Accounts`]: {
        get: () =>
          collection(
            `${TOP_LEVEL.AccountService}/Accounts`,
            'ManagerAccountCollection',
            'Accounts Collection',
            [...store.accounts.keys()].map((id) => `${TOP_LEVEL.AccountService}/Accounts/${id}`),
          ),
        needs: { POST: 'ConfigureUsers' },
        post: (body) => {
          const { UserName, Password, RoleId, Enabled } = body;
          if (typeof UserName !== 'string' || UserName === '')
            throw new HttpError(400, base.propertyMissing('UserName'));
          if (typeof Password !== 'string') throw new HttpError(400, base.propertyMissing('Password'));
          if (Password.length < 8)
            throw new HttpError(400, base.propertyValueNotInList('(hidden)', 'Password'));
          const role = RoleId ?? 'ReadOnly';
          if (!isRoleId(role)) throw new HttpError(400, base.propertyValueNotInList(String(role), 'RoleId'));
          if ([...store.accounts.values()].some((a) => a.userName === UserName))
            throw new HttpError(409, base.resourceAlreadyExists('UserName', UserName));
          const a = store.add({
            userName: UserName,
            password: Password,
            roleId: role,
            enabled: Enabled !== false,
          });
          return {
            status: 201,
            body: account(a.id),
            headers: { Location: `${TOP_LEVEL.AccountService}/Accounts/${a.id}` },
          };
        },
      },
      [`${TOP_LEVEL.AccountService}/Roles`]: {
        get: () =>
          collection(
            `${TOP_LEVEL.AccountService}/Roles`,
            'RoleCollection',
            'Roles Collection',
            Object.keys(ROLES).map((r) => `${TOP_LEVEL.AccountService}/Roles/${r}`),
          ),
      },
    };
    const hit = statics[path];
    if (hit) return hit;

    let m = /^\/redfish\/v1\/UpdateService\/FirmwareInventory\/([^/]+)$/.exec(path);
    if (m && firmware[m[1]]) {
      const id = m[1];
      return {
        get: () => {
          const f = firmware[id]();
          return {
            '@odata.type': '#SoftwareInventory.v1_9_0.SoftwareInventory',
            '@odata.id': `${FIRMWARE}/${id}`,
            Id: id,
            Name: f.name,
            Version: f.version,
            Updateable: f.updateable,
            Status: { State: 'Enabled', Health: 'OK' },
          };
        },
      };
    }
    m = /^\/redfish\/v1\/TaskService\/Tasks\/([^/]+)$/.exec(path);
    if (m) {
      const t = tasks.get(m[1]);
      if (!t) throw new HttpError(404, base.notFound('Task', m[1]));
      return { get: () => taskBody(t) };
    }
    m = /^\/redfish\/v1\/SessionService\/Sessions\/([^/]+)$/.exec(path);
    if (m) {
      const s = store.sessions.get(m[1]);
      if (!s) throw new HttpError(404, base.notFound('Session', m[1]));
      return {
        get: () => ({
          '@odata.type': '#Session.v1_6_0.Session',
          '@odata.id': `${TOP_LEVEL.SessionService}/Sessions/${s.id}`,
          Id: s.id,
          Name: 'User Session',
          UserName: s.userName,
          CreatedTime: s.created,
          SessionType: 'Redfish',
        }),
        delete: (caller) => {
          if (caller.account.userName !== s.userName && !can(caller, 'ConfigureUsers'))
            throw new HttpError(403, base.insufficientPrivilege());
          store.sessions.delete(s.id);
          return { status: 204 };
        },
      };
    }
    m = /^\/redfish\/v1\/AccountService\/Accounts\/([^/]+)$/.exec(path);
    if (m) {
      const id = m[1];
      if (!store.accounts.has(id)) throw new HttpError(404, base.notFound('ManagerAccount', id));
      return {
        get: () => account(id),
        patch: (body, caller) => patchAccount(id, body, caller),
        needs: { DELETE: 'ConfigureUsers' },
        delete: () => {
          store.remove(id);
          return { status: 204 };
        },
      };
    }
    m = /^\/redfish\/v1\/AccountService\/Roles\/([^/]+)$/.exec(path);
    if (m && isRoleId(m[1])) {
      const id = m[1];
      return {
        get: () => ({
          '@odata.type': '#Role.v1_3_1.Role',
          '@odata.id': `${TOP_LEVEL.AccountService}/Roles/${id}`,
          Id: id,
          Name: `${id} Role`,
          RoleId: id,
          IsPredefined: true,
          AssignedPrivileges: [...ROLES[id]],
        }),
      };
    }
    return undefined;
  };

  const login = (body: Json): Reply => {
    if (faults.unauthorized) throw new HttpError(401, base.noValidSession());
    const a = store.check(body.UserName, body.Password);
    if (!a) throw new HttpError(401, base.noValidSession());
    const s = store.login(a);
    const loc = `${TOP_LEVEL.SessionService}/Sessions/${s.id}`;
    return {
      status: 201,
      headers: { 'X-Auth-Token': s.token, Location: loc },
      body: {
        '@odata.type': '#Session.v1_6_0.Session',
        '@odata.id': loc,
        Id: s.id,
        Name: 'User Session',
        UserName: s.userName,
        CreatedTime: s.created,
        SessionType: 'Redfish',
      },
    };
  };

  const authenticate = (req: http.IncomingMessage): Caller => {
    if (faults.unauthorized) throw unauthorized();
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && token !== '') {
      const s = store.byToken(token);
      const a = s && store.accountOf(s);
      if (!s || !a) throw unauthorized();
      return { account: a, session: s };
    }
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      const a = store.check(user, rest.join(':'));
      if (a) return { account: a };
    }
    throw unauthorized();
  };
  const unauthorized = () =>
    new HttpError(401, base.noValidSession(), { 'WWW-Authenticate': 'Basic realm="Redfish"' });

  // ---------- HTTP ----------
  const allowOf = (r: Route): string =>
    ['GET', 'HEAD', r.patch && 'PATCH', r.post && 'POST', r.delete && 'DELETE'].filter(Boolean).join(', ');

  const send = (req: http.IncomingMessage, res: http.ServerResponse, reply: Reply, route?: Route): void => {
    baseHeaders(res);
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    if (route && !res.hasHeader('Allow')) res.setHeader('Allow', allowOf(route));
    let text: string | undefined;
    if (reply.body) {
      const link = describedByLink(reply.body['@odata.type']);
      if (link) res.setHeader('Link', link);
      text = JSON.stringify(reply.body);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(text));
    }
    res.statusCode = reply.status;
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  const readBody = async (req: http.IncomingMessage): Promise<Json> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) throw new HttpError(413, base.general(`request body over ${MAX_BODY} bytes`));
      chunks.push(c);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return {};
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, base.unsupportedMediaType());
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      return v as Json;
    } catch {
      throw new HttpError(400, base.malformedJson());
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const retryAfter = faults.takeUnavailable();
    if (retryAfter !== undefined) {
      req.resume();
      send(req, res, {
        status: 503,
        body: errorBody(base.serviceTemporarilyUnavailable(retryAfter)),
        headers: { 'Retry-After': String(retryAfter) },
      });
      return;
    }
    const url = new URL(req.url ?? '/', 'https://bmc');
    let path = url.pathname.replace(/\/+$/, '') || '/';
    path = path.replace(/^\/redfish\/v1\/%24metadata$/, `${ROOT}/$metadata`);
    const method = req.method ?? 'GET';
    if (method === 'POST') path = path.replace(/\/Members$/, '');
    const odataVersion = req.headers['odata-version'];
    if (typeof odataVersion === 'string' && odataVersion.trim() !== '4.0') {
      req.resume();
      throw new HttpError(
        412,
        base.general(`OData-Version ${odataVersion} is not supported; this service speaks 4.0`),
      );
    }
    // Documents readable without authentication (DSP0266 "Service root request" and the OData documents).
    if (path === '/redfish' && (method === 'GET' || method === 'HEAD')) {
      req.resume();
      send(req, res, { status: 200, body: { v1: '/redfish/v1/' } });
      return;
    }
    if (path === `${ROOT}/$metadata` && (method === 'GET' || method === 'HEAD')) {
      req.resume();
      const xml = metadataXml();
      baseHeaders(res);
      res.setHeader('Content-Type', 'application/xml; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(xml));
      res.end(method === 'HEAD' ? undefined : xml);
      return;
    }
    if (path === `${ROOT}/odata` && (method === 'GET' || method === 'HEAD')) {
      req.resume();
      send(req, res, { status: 200, body: odataServiceDocument() });
      return;
    }
    // Logging in is the one write without authentication.
    if (path === `${TOP_LEVEL.SessionService}/Sessions` && method === 'POST') {
      const body = await readBody(req);
      send(req, res, login(body));
      return;
    }
    const r0 = path === ROOT ? route(ROOT) : undefined;
    const caller = r0?.public && (method === 'GET' || method === 'HEAD') ? undefined : authenticate(req);
    // DSP0266: the service shall answer 501 for $-query parameters it does not support, and ignore others.
    for (const key of url.searchParams.keys())
      if (key.startsWith('$') || key === 'only' || key === 'excerpt') {
        req.resume();
        throw new HttpError(501, base.queryNotSupported(key));
      }
    const r = route(path);
    if (!r) {
      req.resume();
      throw new HttpError(404, base.notFound('Resource', path));
    }
    if (method === 'GET' || method === 'HEAD') {
      req.resume();
      const body = r.get();
      const etag = etagOf(body);
      const withTag = { ...body, '@odata.etag': etag };
      const inm = req.headers['if-none-match'];
      if (typeof inm === 'string' && etagMatches(inm, etag)) {
        baseHeaders(res);
        res.setHeader('ETag', etag);
        res.statusCode = 304;
        res.end();
        return;
      }
      send(req, res, { status: 200, body: withTag, headers: { ETag: etag } }, r);
      return;
    }
    const handler =
      method === 'PATCH' ? r.patch : method === 'POST' ? r.post : method === 'DELETE' ? r.delete : undefined;
    if (!handler) {
      req.resume();
      throw new HttpError(405, base.methodNotAllowed(), { Allow: allowOf(r) });
    }
    const c = caller as Caller;
    const need = r.needs?.[method as 'PATCH' | 'POST' | 'DELETE'];
    if (need && !can(c, need)) {
      req.resume();
      throw new HttpError(403, base.insufficientPrivilege());
    }
    // The body is read first, so the If-Match check and the write run with no await between them:
    // of concurrent writers carrying the same ETag exactly one wins (the validator races four).
    let body: Json = {};
    if (method === 'DELETE') req.resume();
    else {
      body = await readBody(req);
      if (method === 'PATCH' && Object.keys(body).length === 0)
        throw new HttpError(400, base.malformedJson());
    }
    const ifMatch = req.headers['if-match'];
    if (typeof ifMatch === 'string' && method !== 'POST' && !etagMatches(ifMatch, etagOf(r.get())))
      throw new HttpError(412, base.preconditionFailed());
    let reply: Reply;
    if (method === 'DELETE') reply = r.delete!(c);
    else if (method === 'PATCH') reply = r.patch!(body, c);
    else reply = await r.post!(body, c);
    if (reply.body && reply.status === 200 && reply.body['@odata.id']) {
      const etag = etagOf(reply.body);
      reply = {
        ...reply,
        body: { ...reply.body, '@odata.etag': etag },
        headers: { ...reply.headers, ETag: etag },
      };
    }
    send(req, res, reply, r);
  };

  // The task monitor: not a Redfish resource (no body rules, no ETag); bmcweb's semantics (update-task.ts).
  const taskMonitor = (req: http.IncomingMessage, res: http.ServerResponse, id: string): boolean => {
    const t = tasks.get(id);
    if (!t || t.gave204) throw new HttpError(404, base.notFound('Task', id));
    if (t.state === 'Running' || t.state === 'New') {
      send(req, res, {
        status: 202,
        body: taskBody(t),
        headers: { Location: `${ROOT}/TaskService/TaskMonitors/${id}`, 'Retry-After': '1' },
      });
      return true;
    }
    t.gave204 = true;
    send(req, res, { status: 204 });
    return true;
  };

  const server = https.createServer(
    { cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2' },
    (req, res) => {
      const done = (err: unknown): void => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof HttpError) {
          send(req, res, { status: err.status, body: errorBody(err.msg), headers: err.headers });
          return;
        }
        send(req, res, {
          status: 500,
          body: errorBody(base.general(`simulator error: ${(err as Error).message}`)),
        });
      };
      const m = /^\/redfish\/v1\/TaskService\/TaskMonitors\/([^/?]+)\/?(\?.*)?$/.exec(req.url ?? '');
      if (m && (req.method === 'GET' || req.method === 'HEAD')) {
        req.resume();
        const retryAfter = faults.takeUnavailable();
        try {
          if (retryAfter !== undefined)
            throw new HttpError(503, base.serviceTemporarilyUnavailable(retryAfter), {
              'Retry-After': String(retryAfter),
            });
          authenticate(req);
          taskMonitor(req, res, m[1]);
        } catch (err) {
          done(err);
        }
        return;
      }
      handle(req, res).catch(done);
    },
  );
  // Node's HTTP parser refuses methods it does not know before any handler runs; DSP0266 asks for
  // 405 or 501 for unsupported methods, so answer those with 501 Not Implemented.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return;
    if (err.code === 'HPE_INVALID_METHOD') {
      const text = JSON.stringify(
        errorBody(base.general('This HTTP method is not implemented by the service.')),
      );
      socket.end(
        'HTTP/1.1 501 Not Implemented\r\nOData-Version: 4.0\r\nCache-Control: no-store\r\n' +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let connections = 0;
  server.on('secureConnection', () => connections++);
  server.listen(opts.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  /**
   * A BMC reboot: the BMC stops answering (connections refused) for rebootSeconds; its sessions and
   * its tasks are gone afterwards (bmcweb keeps both in memory); an rshim push in flight stops, so the
   * DPU keeps the software it had and the task is never completed (its monitor and resource: 404).
   */
  function rebootBmc(): void {
    if (rebooting || stopped) return;
    rebooting = true;
    store.sessions.clear();
    tasks.clear();
    server.close();
    for (const s of sockets) s.destroy();
    later(faults.rebootSeconds * 1000, () => {
      server.listen(port, host, () => {
        rebooting = false;
      });
    });
  }

  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    caPem: cert.caPem,
    certSha256: cert.certSha256,
    username,
    password,
    updateCount: () => updates,
    resetCount: () => resets,
    installedVersion: () => dpuVersion,
    updates: () =>
      history.map((t) => ({
        id: t.id,
        imageUri: t.imageUri,
        state: t.state,
        ...(t.bfCfg !== undefined ? { bfCfg: t.bfCfg } : {}),
      })),
    rebootBmc,
    connectionCount: () => connections,
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    faults,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
