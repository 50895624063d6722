/**
 * A QMP server playing a running QEMU VM on a unix socket: the greeting,
 * capabilities negotiation, device_add / device_del of vfio-pci devices (a
 * host device must be bound to vfio-pci in the simulated sysfs, as QEMU needs
 * it), DEVICE_DELETED once the guest lets go, qom-list of /machine/peripheral
 * and query-status. It records every command it was sent.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface QmpSim {
  socketPath: string;
  /** Commands received, in order. */
  commands: Array<{ execute: string; arguments?: Record<string, unknown> }>;
  /** Devices plugged in now: id → host PCI address. */
  devices: Map<string, string>;
  /**
   * Kill point: the next `command` is carried out (QEMU acts on it) but its
   * answer is held (`reached` once it was carried out) until release(), so
   * its caller waits inside the call; a test kills the caller there. An
   * answer whose socket closed meanwhile goes nowhere, as with QEMU.
   */
  holdReply(command: string): { reached: Promise<void>; release(): void };
  stop(): Promise<void>;
}

export async function startQmpSim(opts: {
  socketPath: string;
  sysfsRoot?: string;
  unplugDelayMs?: number;
}): Promise<QmpSim> {
  const commands: QmpSim['commands'] = [];
  const devices = new Map<string, string>();
  const sockets = new Set<net.Socket>();
  const holds = new Map<string, { reached: () => void; released: Promise<void> }>();
  const reply = (s: net.Socket, msg: unknown) => s.writable && s.write(JSON.stringify(msg) + '\n');
  let current: string | undefined;
  /** The answer to the command being handled (`current`), held when a test holds that command. */
  const send = (s: net.Socket, msg: unknown) => {
    const hold = current !== undefined ? holds.get(current) : undefined;
    if (!hold) return reply(s, msg);
    holds.delete(current as string);
    hold.reached();
    void hold.released.then(() => reply(s, msg));
    return true;
  };
  const error = (cls: string, desc: string) => ({ error: { class: cls, desc } });
  const now = () => {
    const ms = Date.now();
    return { seconds: Math.floor(ms / 1000), microseconds: (ms % 1000) * 1000 };
  };
  const boundToVfio = (host: string): boolean => {
    if (!opts.sysfsRoot) return true;
    try {
      return (
        path.basename(fs.readlinkSync(path.join(opts.sysfsRoot, 'bus', 'pci', 'devices', host, 'driver'))) ===
        'vfio-pci'
      );
    } catch {
      return false;
    }
  };

  const handle = (
    s: net.Socket,
    state: { negotiated: boolean },
    msg: { execute?: string; arguments?: Record<string, unknown> },
  ) => {
    if (typeof msg.execute !== 'string')
      return send(s, error('GenericError', 'QMP input must have an "execute" member'));
    commands.push({ execute: msg.execute, arguments: msg.arguments });
    current = msg.execute;
    if (msg.execute === 'qmp_capabilities') {
      state.negotiated = true;
      return send(s, { return: {} });
    }
    if (!state.negotiated)
      return send(s, error('CommandNotFound', "Expecting capabilities negotiation with 'qmp_capabilities'"));
    const a = msg.arguments ?? {};
    switch (msg.execute) {
      case 'query-status':
        return send(s, { return: { status: 'running', running: true } });
      case 'qom-list':
        if (a.path !== '/machine/peripheral') return send(s, { return: [] });
        return send(s, { return: [...devices.keys()].map((id) => ({ name: id, type: 'child<vfio-pci>' })) });
      case 'device_add': {
        const id = String(a.id ?? '');
        const host = String(a.host ?? '');
        if (a.driver !== 'vfio-pci')
          return send(s, error('GenericError', `driver ${JSON.stringify(a.driver)} is not simulated`));
        if (devices.has(id)) return send(s, error('GenericError', `Duplicate device ID '${id}' for device`));
        if (!boundToVfio(host)) {
          return send(
            s,
            error(
              'GenericError',
              `vfio ${host}: failed to setup container for group: no such host device bound to vfio-pci`,
            ),
          );
        }
        devices.set(id, host);
        return send(s, { return: {} });
      }
      case 'device_del': {
        const id = String(a.id ?? '');
        if (!devices.has(id)) return send(s, error('DeviceNotFound', `Device '${id}' not found`));
        send(s, { return: {} });
        setTimeout(() => {
          if (!devices.delete(id)) return;
          for (const peer of sockets) {
            reply(peer, {
              event: 'DEVICE_DELETED',
              data: { device: id, path: `/machine/peripheral/${id}` },
              timestamp: now(),
            });
          }
        }, opts.unplugDelayMs ?? 20);
        return;
      }
      default:
        return send(s, error('CommandNotFound', `The command ${msg.execute} has not been found`));
    }
  };

  fs.rmSync(opts.socketPath, { force: true });
  const server = net.createServer((s) => {
    sockets.add(s);
    const state = { negotiated: false };
    let buf = '';
    s.setEncoding('utf8');
    s.on('close', () => sockets.delete(s));
    s.on('error', () => sockets.delete(s));
    s.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line) continue;
        try {
          handle(s, state, JSON.parse(line));
          current = undefined;
        } catch {
          current = undefined;
          send(s, error('GenericError', 'JSON parse error'));
        }
      }
    });
    reply(s, {
      QMP: {
        version: { qemu: { micro: 0, minor: 2, major: 8 }, package: 'xpuflow-sim' },
        capabilities: ['oob'],
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.socketPath, resolve));
  return {
    socketPath: opts.socketPath,
    commands,
    devices,
    holdReply(command) {
      let reached!: () => void;
      let release!: () => void;
      const reachedP = new Promise<void>((r) => (reached = r));
      holds.set(command, { reached, released: new Promise<void>((r) => (release = r)) });
      return { reached: reachedP, release };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
