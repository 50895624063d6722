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
import { checkTemporalTlsFiles } from './temporal-tls-check';
import { portRefused } from './port-refused';
import { tlsHandshakeProblem } from './tls-probe';

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
  checkTemporalTlsFiles(env); // names a missing, expired or mismatched certificate before any handshake
  const loaded = loadClientConnectConfig({
    profile: env.TEMPORAL_PROFILE,
    overrideEnvVars: env as Record<string, string>,
  });
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

/** `connectTimeoutMs`: how long the first call may take (10 s); `codec: false` leaves payloads undecoded. */
export async function connectClient(
  s: TemporalSettings = temporalSettings(),
  opts: { connectTimeoutMs?: number; codec?: boolean } = {},
): Promise<Client> {
  // XPUFLOW_CODEC_KEYS: payloads encrypted (codec/)
  const dataConverter = opts.codec === false ? undefined : codecDataConverter();
  const refused = await portRefused(s.address);
  if (refused) throw new Error(unreachable(s, new Error(refused)));
  const connecting = Connection.connect({
    ...s.connectionOptions,
    connectTimeout: opts.connectTimeoutMs ?? '10 seconds',
  });
  try {
    const connection = await Promise.race([connecting, refusedByServer(s)]);
    return new Client({ connection, namespace: s.namespace, dataConverter });
  } catch (err) {
    // The connection given up on for a refusal: closed if it ever succeeds, its failure already reported.
    void connecting.then(
      (c) => c.close(),
      () => undefined,
    );
    const reason = err instanceof RefusedByServer ? err : await explainTls(s, err);
    throw new Error(unreachable(s, reason), { cause: err });
  }
}

class RefusedByServer extends Error {
  override name = 'RefusedByServer';
}

/**
 * With TLS on, a handshake beside the connection: a server that refuses this
 * client's certificate (or its lack of one) says so with an alert at once,
 * while the gRPC connection retries that refusal until its 10 s connect
 * timeout. Rejects with the alert; otherwise never settles.
 */
function refusedByServer(s: TemporalSettings): Promise<never> {
  const tlsConfig = s.connectionOptions.tls;
  if (!tlsConfig) return new Promise<never>(() => undefined);
  return tlsHandshakeProblem(s.address, tlsConfig === true ? {} : tlsConfig, 5_000, true).then((problem) => {
    if (problem && SERVER_REFUSED_CLIENT.test(problem)) throw new RefusedByServer(problem);
    return new Promise<never>(() => undefined);
  });
}

/** Alerts a server sends when it refuses the client's certificate: no retry of the connection can succeed. */
const SERVER_REFUSED_CLIENT =
  /alert unknown ca|alert certificate required|alert bad certificate|fatal alert: UnknownCA|AlertReceived\(UnknownCA\)/i;

export async function connectWorker(s: TemporalSettings = temporalSettings()): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(s.connectionOptions);
  } catch (err) {
    throw new Error(unreachable(s, await explainTls(s, err)), { cause: err });
  }
}

/**
 * With TLS on, a failed connection's own error may say only "transport error"
 * or "deadline"; a plain handshake with the same settings gets the reason.
 */
async function explainTls(s: TemporalSettings, err: unknown): Promise<unknown> {
  const tlsConfig = s.connectionOptions.tls;
  if (!tlsConfig) return err;
  const problem = await tlsHandshakeProblem(s.address, tlsConfig === true ? {} : tlsConfig);
  return problem ? new Error(problem) : err;
}

function unreachable(s: TemporalSettings, err: unknown): string {
  const message = (err as Error).message;
  const where = `Temporal at ${s.address} (namespace ${s.namespace}, TLS ${s.tls ? 'on' : 'off'})`;
  const hint = tlsHint(s, message);
  if (hint) return `TLS handshake with ${where} failed: ${hint} (${message})`;
  if (s.address !== DEFAULT_ADDRESS)
    // A cluster's frontend that is down or restarting (test/e2e/temporal-cluster.test.ts kills it).
    return (
      `cannot reach ${where}: ${message}. Is the cluster's frontend service up and listening there? ` +
      `Workflows already running lose nothing while it is away; run this again once it answers.`
    );
  return (
    `cannot reach ${where}: ${message}. Start the local dev server with ./temporal-dev.sh start, ` +
    `or set TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TLS_* for a real cluster.`
  );
}

/** What a TLS failure means, in the operator's terms, when the error says it was one. */
function tlsHint(s: TemporalSettings, message: string): string | undefined {
  // An alert the server sent (OpenSSL "tlsv1 alert unknown ca", alert 48; rustls
  // "received fatal alert: UnknownCA"): the server does not trust this client's
  // certificate. Seen from a Temporal frontend with requireClientAuth given a
  // certificate another CA signed (test/e2e/temporal-cluster.test.ts).
  if (/alert unknown ca|fatal alert: UnknownCA|AlertReceived\(UnknownCA\)/i.test(message))
    return (
      "the server refused this client's certificate: no CA it trusts for clients signed it; use a certificate " +
      "from the cluster's client CA (TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH)"
    );
  if (
    /UnknownIssuer|unable to get local issuer|unable to verify the first certificate|self[- ]signed|certificate verify failed|unknown ca|BadSignature/i.test(
      message,
    )
  )
    return s.tls
      ? "the server's certificate is not signed by the CA this client trusts: check TEMPORAL_TLS_SERVER_CA_CERT_PATH"
      : 'the server answered with TLS checks this client failed';
  if (/NotValidForName|hostname|altname|IP address mismatch|name mismatch/i.test(message))
    return "the server's certificate does not name this address: set TEMPORAL_TLS_SERVER_NAME to a name it carries";
  if (/expired|CertExpired|certificate has expired/i.test(message))
    return 'a certificate in the chain has expired: renew it';
  if (/certificate required|bad certificate|handshake failure|alert/i.test(message))
    return 'the server refused this client: it wants a client certificate its CA signed (TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH)';
  if (/tls|ssl|handshake|InvalidContentType|corrupt message|wrong version number|frame/i.test(message))
    return s.tls
      ? 'TLS is on here, but the server may not speak TLS at this address, or the handshake broke'
      : 'TLS is off here, but the server may require it: set TEMPORAL_TLS=true';
  return undefined;
}
