/**
 * gRPC clients for DMS (gnoi.os.OS and gnoi.system.System), one pair per
 * address, reused across activity calls and closed once no longer in use
 * (retireIdle). Insecure by default; pass channel
 * credentials (e.g. grpc.credentials.createSsl(ca, key, cert)) for TLS.
 */
import * as grpc from '@grpc/grpc-js';
import {
  osClientConstructor,
  systemClientConstructor,
  type OSClient,
  type SystemClient,
} from '../../proto/load';
import { installRequestSerializer } from './transfer-content';

type OSClientConstructor = ReturnType<typeof osClientConstructor>;
let osWithEncodedContent: OSClientConstructor | undefined;

/**
 * The gnoi.os.OS client, its Install requests serialized by
 * installRequestSerializer: BFB chunks already encoded go to grpc-js as they
 * are (transfer-content.ts), everything else through protobufjs as before.
 */
function osClientWithEncodedContent(): OSClientConstructor {
  if (!osWithEncodedContent) {
    const base = osClientConstructor();
    const install = base.service.Install;
    const service = {
      ...base.service,
      Install: { ...install, requestSerialize: installRequestSerializer(install.requestSerialize) },
    };
    osWithEncodedContent = grpc.makeClientConstructor(
      service,
      'gnoi.os.OS',
    ) as unknown as OSClientConstructor;
  }
  return osWithEncodedContent;
}

/**
 * When the clients of an address no longer in use are closed: a sweep every
 * `everyMs` closes the pair of each address whose channels are both idle and
 * neither of which was handed out in the last `handedOutGraceMs`.
 */
export interface DmsClientsRetirement {
  everyMs: number;
  handedOutGraceMs: number;
}

/**
 * Every 5 minutes; a client handed out in the last minute is left alone (a
 * channel is idle too before its first call, which follows at once).
 */
export const DEFAULT_DMS_CLIENTS_RETIREMENT: DmsClientsRetirement = {
  everyMs: 5 * 60_000,
  handedOutGraceMs: 60_000,
};

interface AddressClients {
  os?: OSClient;
  system?: SystemClient;
  handedOutAt: number;
}

export class DmsClients {
  private readonly byAddress = new Map<string, AddressClients>();
  private sweep?: NodeJS.Timeout;

  /**
   * `retirement` false keeps every address's clients until close(), as a
   * short-lived user (`xpuflow doctor`) does.
   */
  constructor(
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    private readonly channelOptions: grpc.ChannelOptions = {},
    private readonly retirement: DmsClientsRetirement | false = DEFAULT_DMS_CLIENTS_RETIREMENT,
  ) {}

  os(address: string): OSClient {
    const a = this.handOut(address);
    return (a.os ??= new (osClientWithEncodedContent())(address, this.credentials, this.channelOptions));
  }

  system(address: string): SystemClient {
    const a = this.handOut(address);
    return (a.system ??= new (systemClientConstructor())(address, this.credentials, this.channelOptions));
  }

  /** The addresses whose clients are open. */
  get addresses(): number {
    return this.byAddress.size;
  }

  /**
   * Closes the clients of every address no longer in use; returns how many
   * addresses it closed. A DPU's flow calls its DMS for minutes, then not for
   * months: a control worker that kept every address's pair would grow by
   * about 35 KiB of heap per DPU it ever provisioned (bench/dms-clients-memory.ts).
   *
   * A channel is IDLE only with no call in flight: grpc-js (1.14.7,
   * build/src/internal-channel.js, startIdleTimeout and onCallEnd) enters IDLE
   * from its idle timer only when callCount is 0 and nothing happened for
   * `grpc.client_idle_timeout_ms` (30 min by default), and a call started on
   * an IDLE channel takes it out of IDLE in that tick (getConfig → exitIdle,
   * build/src/resolving-load-balancer.js updateResolution: CONNECTING). A
   * pick-first channel whose connection dropped (a DPU rebooting) also turns
   * IDLE; a call on that connection has failed with it. Calls here start in
   * the same tick as the client is handed out, so the grace only covers a
   * client made and not yet called.
   */
  retireIdle(now: number = Date.now()): number {
    if (this.retirement === false) return 0;
    let closed = 0;
    for (const [address, a] of this.byAddress) {
      if (now - a.handedOutAt < this.retirement.handedOutGraceMs) continue;
      const clients = [a.os, a.system].filter((c): c is OSClient | SystemClient => c !== undefined);
      if (!clients.every((c) => c.getChannel().getConnectivityState(false) === grpc.connectivityState.IDLE))
        continue;
      for (const c of clients) c.close();
      this.byAddress.delete(address);
      closed++;
    }
    if (this.byAddress.size === 0) this.stopSweep();
    return closed;
  }

  /** Closes every channel; later calls open new ones. */
  close(): void {
    this.stopSweep();
    for (const a of this.byAddress.values()) {
      a.os?.close();
      a.system?.close();
    }
    this.byAddress.clear();
  }

  /** The address's entry, its hand-out time now; starts the sweep with the first one. */
  private handOut(address: string): AddressClients {
    let a = this.byAddress.get(address);
    if (!a) {
      a = { handedOutAt: 0 };
      this.byAddress.set(address, a);
    }
    a.handedOutAt = Date.now();
    if (this.retirement !== false && !this.sweep) {
      this.sweep = setInterval(() => this.retireIdle(), this.retirement.everyMs);
      // The sweep never keeps a process alive on its own.
      this.sweep.unref();
    }
    return a;
  }

  private stopSweep(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
  }
}
