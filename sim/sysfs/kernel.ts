/**
 * The sim kernel: plays Linux's PCI/SR-IOV core on a simulated sysfs tree.
 *
 * It watches (fs.watch, i.e. inotify) the files production writes —
 * each PF's sriov_numvfs, drivers/<drv>/{bind,unbind} and drivers_probe —
 * and reacts within milliseconds, as the kernel's store handlers would:
 *
 * - sriov_numvfs: 0 -> N creates N VFs (virtfnK, physfn, driver, net/ ...);
 *   N -> 0 removes them; N -> M (both non-zero) is refused like EBUSY and
 *   N > sriov_totalvfs like ERANGE, a non-number like EINVAL. A refused
 *   write is undone: the old count is written back, as a real read would
 *   show it, and the refusal is recorded.
 * - drivers/<drv>/unbind <addr>: drops the binding; drivers/<drv>/bind and
 *   drivers_probe <addr>: bind, honouring driver_override.
 *
 * Races. Production writes are ordinary writes (open with O_TRUNC, write,
 * close), so one write gives one or two inotify events and the first may be
 * seen while the file is still empty. The kernel therefore never trusts an
 * event's timing: on every event it re-reads the file, ignores an empty
 * file (a write still in progress: its own event follows), and compares
 * the value with its own state, so an event repeated for the same write is
 * a no-op (writing the current count is a no-op on Linux too). Reactions
 * use synchronous fs calls inside the watch callback: each is atomic with
 * respect to other code in this process, and events are handled in the
 * order inotify delivers them. A consequence: writes issued faster than the
 * kernel can look at them collapse into the last value, so a writer must
 * wait for the effect of one write (the virtfn links, the driver link)
 * before the next — which is what the sysfs helpers do.
 *
 * Limits: PFs are found when the kernel starts (add PFs, then start it);
 * writing the count a PF already has is a no-op and is not recorded (it
 * cannot be told apart from a repeated event); an empty write is ignored.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkPciAddress } from '../../model/validation';
import {
  DEFAULT_DRIVER,
  SIM_DRIVERS,
  boundDriver,
  busDeviceLink,
  busDir,
  createNetdev,
  deviceDir,
  driverDir,
  driversDir,
  isErrno,
  linkDriver,
  readAttr,
  readLinkQuiet,
  removeQuiet,
  symlinkForce,
  unlinkDriver,
  writeAttr,
} from './layout';
import { macFor, parsePciAddress, routingId, vfPciAddress } from './pci-address';

/** A stable IOMMU group number per function: its routing ID within its domain. */
function iommuGroupOf(address: string): number {
  const p = parsePciAddress(address);
  return p.domain * 0x10000 + routingId(p);
}

export type SimErrno = 'EBUSY' | 'ERANGE' | 'EINVAL' | 'ENODEV' | 'EIO' | 'ENOMEM';

interface EventBase {
  /** 1, 2, 3 ... in the order the kernel acted. */
  seq: number;
  /** Date.now() when it acted. */
  at: number;
}

export type SimKernelEvent =
  | (EventBase & { kind: 'numvfs'; pf: string; from: number; to: number })
  | (EventBase & { kind: 'bind'; device: string; driver: string })
  | (EventBase & { kind: 'unbind'; device: string; driver: string })
  | (EventBase & {
      kind: 'refused';
      /** The file written, relative to the sysfs root. */
      file: string;
      device?: string;
      /** What was written (trimmed). */
      value: string;
      errno: SimErrno;
      reason: string;
    })
  | (EventBase & { kind: 'error'; message: string });

export type SimKernelRefusal = Extract<SimKernelEvent, { kind: 'refused' }>;

/** Omit distributed over the union, so each event kind keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type EventInput = DistributiveOmit<SimKernelEvent, 'seq' | 'at'>;

export interface SimKernelOptions {
  /** Keep the process alive while the kernel runs (fs.watch `persistent`). Default true. */
  persistent?: boolean;
  /**
   * React this long after a write instead of at once (real mlx5 takes a
   * while to create VFs). Events are still handled in order, each reading
   * the file when it runs. Default 0.
   */
  latencyMs?: number;
}

export interface SimKernel {
  root: string;
  /** Everything the kernel did or refused, in order. A live view. */
  readonly events: readonly SimKernelEvent[];
  /** The refused writes only (EBUSY, ERANGE, ...). */
  readonly refusals: readonly SimKernelRefusal[];
  /** The kernel's own count of VFs on a PF (undefined for an unknown PF). */
  numVfs(pf: string): number | undefined;
  /** Resolves with the first event (past or future) matching `match`; rejects after timeoutMs. */
  waitForEvent(match: (event: SimKernelEvent) => boolean, timeoutMs?: number): Promise<SimKernelEvent>;
  /**
   * Fault injection: the next `count` changes of sriov_numvfs on `pf` are
   * refused with `errno` (default EIO; the old count is put back), as a PF
   * driver that fails to create VFs would. Writes of the current count are
   * no-ops and do not use one up.
   */
  failWrites(pf: string, count?: number, errno?: SimErrno): void;
  /**
   * Kill point: the next change of sriov_numvfs on `pf` is seen (`reached`)
   * but not acted on until release(), so the writer waits for VFs that do not
   * come yet; a test kills it there. On release the kernel reads the file
   * again and acts on what it holds then, as the kernel would have.
   */
  holdNumVfs(pf: string): { reached: Promise<void>; release(): void };
  /** Called after every event. */
  onEvent(listener: (event: SimKernelEvent) => void): () => void;
  /** Closes every watcher; the tree is left as it is. */
  stop(): Promise<void>;
}

function listPfs(root: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(path.join(busDir(root), 'devices'));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) {
      throw new Error(`sim kernel: ${root} has no bus/pci/devices; build it with createSysfsTree`, {
        cause: err,
      });
    }
    throw err;
  }
  return entries
    .filter((address) => checkPciAddress(address) === undefined)
    .filter((address) => fs.existsSync(path.join(deviceDir(root, address), 'sriov_totalvfs')))
    .sort();
}

function virtfnLinks(pfDir: string): Array<{ index: number; address: string }> {
  const out: Array<{ index: number; address: string }> = [];
  for (const name of fs.readdirSync(pfDir)) {
    const m = /^virtfn(\d+)$/.exec(name);
    if (!m) continue;
    const target = readLinkQuiet(path.join(pfDir, name));
    if (target) out.push({ index: Number(m[1]), address: path.basename(target) });
  }
  return out.sort((a, b) => a.index - b.index);
}

function driverOverride(root: string, address: string): string | undefined {
  const value = readAttr(path.join(deviceDir(root, address), 'driver_override'));
  return value === undefined || value === '' || value === '(null)' ? undefined : value;
}

export function startSimKernel(root: string, options: SimKernelOptions = {}): SimKernel {
  const events: SimKernelEvent[] = [];
  const emitter = new EventEmitter();
  const state = new Map<string, number>();
  const watchers: fs.FSWatcher[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const injected = new Map<string, { errno: SimErrno; times: number }>();
  const holds = new Map<string, { holding: boolean; reached: () => void }>();
  let stopped = false;
  let seq = 0;

  const record = (event: EventInput): void => {
    const full = { ...event, seq: ++seq, at: Date.now() } as SimKernelEvent;
    events.push(full);
    emitter.emit('event', full);
  };
  const refuse = (file: string, value: string, errno: SimErrno, reason: string, device?: string): void => {
    record({ kind: 'refused', file: path.relative(root, file), value, errno, reason, device });
  };

  // ---- SR-IOV --------------------------------------------------------------

  /** PF netdev names as the kernel found them at start (they outlive an unbind/bind). */
  const pfIfnames = new Map<string, string>();

  const pfNetdev = (pf: string): string | undefined => {
    try {
      return fs.readdirSync(path.join(deviceDir(root, pf), 'net')).sort()[0];
    } catch {
      return undefined;
    }
  };

  const netdevNameFor = (address: string, index?: number, pf?: string): string | undefined => {
    const own = pfIfnames.get(address);
    if (own) return own;
    const physfn = readLinkQuiet(path.join(deviceDir(root, address), 'physfn'));
    const owner = pf ?? (physfn ? path.basename(physfn) : undefined);
    const pfName = owner ? pfIfnames.get(owner) : undefined;
    const vfIndex = index ?? vfIndexOf(address);
    return pfName !== undefined && vfIndex !== undefined ? `${pfName}v${vfIndex}` : undefined;
  };

  const bindTo = (address: string, driver: string, index?: number, pf?: string): void => {
    linkDriver(root, address, driver);
    if (driver !== DEFAULT_DRIVER) return;
    const ifname = netdevNameFor(address, index, pf);
    if (ifname && !fs.existsSync(path.join(deviceDir(root, address), 'net'))) {
      createNetdev(deviceDir(root, address), ifname, macFor(address));
    }
  };

  const unbindFrom = (address: string, driver: string): void => {
    unlinkDriver(root, address, driver);
    // A netdev belongs to its driver: it goes when mlx5_core lets go.
    if (driver === DEFAULT_DRIVER) removeQuiet(path.join(deviceDir(root, address), 'net'));
  };

  const vfIndexOf = (address: string): number | undefined => {
    const physfn = readLinkQuiet(path.join(deviceDir(root, address), 'physfn'));
    if (!physfn) return undefined;
    const pfDir = deviceDir(root, path.basename(physfn));
    return virtfnLinks(pfDir).find((l) => l.address === address)?.index;
  };

  const createVfs = (pf: string, count: number): void => {
    const pfDir = deviceDir(root, pf);
    const offset = Number(readAttr(path.join(pfDir, 'sriov_offset')) ?? 1);
    const stride = Number(readAttr(path.join(pfDir, 'sriov_stride')) ?? 1);
    const vfDevice = readAttr(path.join(pfDir, 'sriov_vf_device')) ?? '101e';
    const vendor = readAttr(path.join(pfDir, 'vendor')) ?? '0x15b3';
    const autoprobe = readAttr(path.join(pfDir, 'sriov_drivers_autoprobe')) !== '0';
    for (let k = 0; k < count; k++) {
      const vf = vfPciAddress(pf, k, offset, stride);
      const dev = deviceDir(root, vf);
      removeQuiet(dev);
      fs.mkdirSync(dev, { recursive: true });
      writeAttr(path.join(dev, 'vendor'), vendor);
      writeAttr(path.join(dev, 'device'), `0x${vfDevice}`);
      writeAttr(path.join(dev, 'class'), '0x020000');
      writeAttr(path.join(dev, 'driver_override'), '(null)');
      symlinkForce(path.relative(dev, pfDir), path.join(dev, 'physfn'));
      // Each VF in an IOMMU group of its own (what vfio-pci users open as /dev/vfio/<group>).
      const group = path.join(root, 'kernel', 'iommu_groups', String(iommuGroupOf(vf)));
      fs.mkdirSync(group, { recursive: true });
      symlinkForce(path.relative(dev, group), path.join(dev, 'iommu_group'));
      symlinkForce(path.relative(path.dirname(busDeviceLink(root, vf)), dev), busDeviceLink(root, vf));
      if (autoprobe) bindTo(vf, DEFAULT_DRIVER, k, pf);
      // The virtfn link last: a reader that counts N links sees N complete VFs.
      symlinkForce(path.relative(pfDir, dev), path.join(pfDir, `virtfn${k}`));
    }
  };

  const removeVfs = (pf: string): void => {
    const pfDir = deviceDir(root, pf);
    for (const { index, address } of virtfnLinks(pfDir).reverse()) {
      removeQuiet(path.join(pfDir, `virtfn${index}`));
      const driver = boundDriver(root, address);
      if (driver) unbindFrom(address, driver);
      removeQuiet(busDeviceLink(root, address));
      removeQuiet(deviceDir(root, address));
    }
  };

  const onNumVfsWritten = (pf: string): void => {
    const file = path.join(deviceDir(root, pf), 'sriov_numvfs');
    const text = readAttr(file);
    if (text === undefined || text === '') return; // gone, or a write still in progress
    const current = state.get(pf) ?? 0;
    const putBack = () => writeAttr(file, current);
    if (!/^\d+$/.test(text) || Number(text) > 0xffff) {
      putBack();
      refuse(file, text, 'EINVAL', `${JSON.stringify(text)} is not a number`, pf);
      return;
    }
    const wanted = Number(text);
    if (wanted === current) return; // a repeated event, or a no-op write
    const hold = holds.get(pf);
    if (hold) {
      // Held: later events of this write wait too; release() reads the file again.
      if (!hold.holding) {
        hold.holding = true;
        hold.reached();
      }
      return;
    }
    const fault = injected.get(pf);
    if (fault && fault.times > 0) {
      fault.times--;
      putBack();
      refuse(file, text, fault.errno, 'injected fault', pf);
      return;
    }
    const total = Number(readAttr(path.join(deviceDir(root, pf), 'sriov_totalvfs')) ?? 0);
    if (wanted > total) {
      putBack();
      refuse(file, text, 'ERANGE', `${wanted} is over sriov_totalvfs ${total}`, pf);
      return;
    }
    if (wanted !== 0 && current !== 0) {
      putBack();
      refuse(
        file,
        text,
        'EBUSY',
        `${current} VFs already enabled. Disable before enabling ${wanted} VFs`,
        pf,
      );
      return;
    }
    if (wanted === 0) removeVfs(pf);
    else createVfs(pf, wanted);
    state.set(pf, wanted);
    record({ kind: 'numvfs', pf, from: current, to: wanted });
  };

  // ---- driver binding ------------------------------------------------------

  const matches = (address: string, driver: string): boolean => {
    const override = driverOverride(root, address);
    return override !== undefined ? override === driver : driver === DEFAULT_DRIVER;
  };

  const readTarget = (file: string): string | undefined => {
    const text = readAttr(file);
    if (text === undefined || text === '') return undefined;
    if (checkPciAddress(text) !== undefined || !fs.existsSync(busDeviceLink(root, text))) {
      refuse(file, text, 'ENODEV', `no PCI device ${JSON.stringify(text)}`);
      return undefined;
    }
    return text;
  };

  const onBindWritten = (driver: string): void => {
    const file = path.join(driverDir(root, driver), 'bind');
    const address = readTarget(file);
    if (!address) return;
    const current = boundDriver(root, address);
    if (current === driver) return; // already done (a repeated event)
    if (current !== undefined) {
      refuse(file, address, 'EBUSY', `${address} is bound to ${current}`, address);
      return;
    }
    if (!matches(address, driver)) {
      const override = driverOverride(root, address);
      const why = override ? `driver_override is ${override}` : `${driver} does not claim this device`;
      refuse(file, address, 'ENODEV', why, address);
      return;
    }
    bindTo(address, driver);
    record({ kind: 'bind', device: address, driver });
  };

  const onUnbindWritten = (driver: string): void => {
    const file = path.join(driverDir(root, driver), 'unbind');
    const address = readTarget(file);
    if (!address) return;
    const current = boundDriver(root, address);
    if (current === undefined) return; // already unbound (a repeated event)
    if (current !== driver) {
      refuse(file, address, 'ENODEV', `${address} is bound to ${current}, not ${driver}`, address);
      return;
    }
    unbindFrom(address, driver);
    record({ kind: 'unbind', device: address, driver });
  };

  const onProbeWritten = (): void => {
    const file = path.join(busDir(root), 'drivers_probe');
    const address = readTarget(file);
    if (!address || boundDriver(root, address) !== undefined) return;
    const driver = driverOverride(root, address) ?? DEFAULT_DRIVER;
    if (!fs.existsSync(driverDir(root, driver))) {
      refuse(file, address, 'ENODEV', `no driver ${driver} (driver_override) is loaded`, address);
      return;
    }
    bindTo(address, driver);
    record({ kind: 'bind', device: address, driver });
  };

  // ---- watching ------------------------------------------------------------

  const watch = (dir: string, handlers: Record<string, () => void>): void => {
    const run = (name: string, handler: () => void) => {
      if (stopped) return;
      try {
        handler();
      } catch (err) {
        record({ kind: 'error', message: `${path.join(dir, name)}: ${(err as Error).message}` });
      }
    };
    const watcher = fs.watch(dir, { persistent: options.persistent ?? true }, (_type, filename) => {
      if (stopped) return;
      const names = filename ? [String(filename)] : Object.keys(handlers);
      for (const name of names) {
        const handler = handlers[name];
        if (!handler) continue;
        const latency = options.latencyMs ?? 0;
        if (latency <= 0) {
          run(name, handler);
          continue;
        }
        const timer = setTimeout(() => {
          timers.delete(timer);
          run(name, handler);
        }, latency);
        timers.add(timer);
      }
    });
    watcher.on('error', (err) => record({ kind: 'error', message: `watching ${dir}: ${err.message}` }));
    watchers.push(watcher);
  };

  try {
    for (const pf of listPfs(root)) {
      const pfDir = deviceDir(root, pf);
      const count = virtfnLinks(pfDir).length;
      state.set(pf, count);
      const ifname = pfNetdev(pf);
      if (ifname) pfIfnames.set(pf, ifname);
      writeAttr(path.join(pfDir, 'sriov_numvfs'), count);
      watch(pfDir, { sriov_numvfs: () => onNumVfsWritten(pf) });
    }
    watch(busDir(root), { drivers_probe: onProbeWritten });
    const drivers = fs.existsSync(driversDir(root)) ? fs.readdirSync(driversDir(root)) : [...SIM_DRIVERS];
    for (const driver of drivers) {
      watch(driverDir(root, driver), {
        bind: () => onBindWritten(driver),
        unbind: () => onUnbindWritten(driver),
      });
    }
  } catch (err) {
    stopped = true;
    for (const w of watchers) w.close();
    throw err;
  }

  return {
    root,
    events,
    get refusals() {
      return events.filter((e): e is SimKernelRefusal => e.kind === 'refused');
    },
    numVfs: (pf) => state.get(pf),
    failWrites(pf, count = 1, errno = 'EIO') {
      injected.set(pf, { errno, times: count });
    },
    holdNumVfs(pf) {
      if (!state.has(pf))
        throw new Error(`sim kernel: no PF ${pf} under ${root} to hold; add it before starting`);
      if (holds.has(pf))
        throw new Error(`sim kernel: sriov_numvfs of ${pf} is already held; release it first`);
      let reached!: () => void;
      const reachedP = new Promise<void>((r) => (reached = r));
      holds.set(pf, { holding: false, reached });
      return {
        reached: reachedP,
        release: () => {
          holds.delete(pf);
          if (!stopped) onNumVfsWritten(pf);
        },
      };
    },
    onEvent(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
    waitForEvent(match, timeoutMs = 5000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const listener = (event: SimKernelEvent) => {
          if (!match(event)) return;
          clearTimeout(timer);
          emitter.off('event', listener);
          resolve(event);
        };
        const timer = setTimeout(() => {
          emitter.off('event', listener);
          reject(new Error(`sim kernel: no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        emitter.on('event', listener);
      });
    },
    async stop() {
      stopped = true;
      for (const w of watchers.splice(0)) w.close();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      emitter.removeAllListeners();
      // libuv frees a closed handle in a later loop turn's close phase: let
      // it, so a caller checking for open handles after stop() sees none.
      for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}
