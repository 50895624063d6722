/**
 * Where Temporal is, from Temporal's own envconfig conventions: the config
 * file (~/.config/temporalio/temporal.toml, or TEMPORAL_CONFIG_FILE) and the
 * environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
 * TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_PROFILE).
 * With nothing set it is the local dev server that temporal-dev.sh starts.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { codecDataConverter } from '../codec/data-converter';

export const DEFAULT_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_NAMESPACE = 'default';

export interface TemporalSettings {
  address: string;
  namespace: string;
  tls: boolean;
  /** Base URL of the Temporal UI, for links printed to people. */
  uiUrl: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const loaded = loadClientConnectConfig({ profile: env.TEMPORAL_PROFILE });
  const address = loaded.connectionOptions.address ?? DEFAULT_ADDRESS;
  const namespace = loaded.namespace ?? DEFAULT_NAMESPACE;
  const tls = Boolean(loaded.connectionOptions.tls);
  return {
    address,
    namespace,
    tls,
    uiUrl: env.XPUFLOW_UI_URL ?? defaultUiUrl(address),
    connectionOptions: { ...loaded.connectionOptions, address },
  };
}

function defaultUiUrl(address: string): string {
  const m = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(address);
  if (m) return `http://${m[1]}:${Number(m[2]) + 1000}`;
  return `https://${address.replace(/:\d+$/, '')}`;
}

/** Link to a workflow run in the Temporal UI. */
export function workflowUiLink(s: TemporalSettings, workflowId: string): string {
  return `${s.uiUrl}/namespaces/${encodeURIComponent(s.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export async function connectClient(s: TemporalSettings = temporalSettings()): Promise<Client> {
  const dataConverter = codecDataConverter(); // XPUFLOW_CODEC_KEYS: payloads encrypted (codec/)
  try {
    const connection = await Connection.connect({ ...s.connectionOptions, connectTimeout: '10 seconds' });
    return new Client({ connection, namespace: s.namespace, dataConverter });
  } catch (err) {
    throw new Error(unreachable(s, err), { cause: err });
  }
}

export async function connectWorker(s: TemporalSettings = temporalSettings()): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(s.connectionOptions);
  } catch (err) {
    throw new Error(unreachable(s, err), { cause: err });
  }
}

function unreachable(s: TemporalSettings, err: unknown): string {
  return (
    `cannot reach Temporal at ${s.address} (namespace ${s.namespace}, TLS ${s.tls ? 'on' : 'off'}): ` +
    `${(err as Error).message}. Start the local dev server with ./temporal-dev.sh start, ` +
    `or set TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TLS_* for a real cluster.`
  );
}
