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

export class DmsClients {
  private readonly osClients = new Map<string, OSClient>();
  private readonly systemClients = new Map<string, SystemClient>();

  constructor(
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    private readonly channelOptions: grpc.ChannelOptions = {},
  ) {}

  os(address: string): OSClient {
    return this.cached(this.osClients, address, osClientWithEncodedContent());
  }

  system(address: string): SystemClient {
    return this.cached(this.systemClients, address, systemClientConstructor());
  }

  /** Closes every channel; later calls open new ones. */
  close(): void {
    for (const c of this.osClients.values()) c.close();
    for (const c of this.systemClients.values()) c.close();
    this.osClients.clear();
    this.systemClients.clear();
  }

  /** The client of `address` in `clients`, made with this object's credentials on first use. */
  private cached<C>(
    clients: Map<string, C>,
    address: string,
    Client: new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => C,
  ): C {
    let client = clients.get(address);
    if (!client) {
      client = new Client(address, this.credentials, this.channelOptions);
      clients.set(address, client);
    }
    return client;
  }
}
