/**
 * gRPC clients for DMS (gnoi.os.OS and gnoi.system.System), one pair per
 * address, reused across activity calls. Insecure by default; pass channel
 * credentials (e.g. grpc.credentials.createSsl(ca, key, cert)) for TLS.
 */
import * as grpc from '@grpc/grpc-js';
import {
  osClientConstructor,
  systemClientConstructor,
  type OSClient,
  type SystemClient,
} from '../../proto/load';

export class DmsClients {
  private readonly osClients = new Map<string, OSClient>();
  private readonly systemClients = new Map<string, SystemClient>();

  constructor(
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    private readonly channelOptions: grpc.ChannelOptions = {},
  ) {}

  os(address: string): OSClient {
    let client = this.osClients.get(address);
    if (!client) {
      const OS = osClientConstructor();
      client = new OS(address, this.credentials, this.channelOptions);
      this.osClients.set(address, client);
    }
    return client;
  }

  system(address: string): SystemClient {
    let client = this.systemClients.get(address);
    if (!client) {
      const System = systemClientConstructor();
      client = new System(address, this.credentials, this.channelOptions);
      this.systemClients.set(address, client);
    }
    return client;
  }

  /** Closes every channel; later calls open new ones. */
  close(): void {
    for (const c of this.osClients.values()) c.close();
    for (const c of this.systemClients.values()) c.close();
    this.osClients.clear();
    this.systemClients.clear();
  }
}
