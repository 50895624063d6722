/**
 * Channel credentials for the control worker's gNOI calls to DMS. DMS speaks
 * mTLS in production; the simulators default to plaintext.
 *   XPUFLOW_DMS_TLS_CA_CERT_PATH       CA that signed the DMS servers' certificates (turns TLS on)
 *   XPUFLOW_DMS_TLS_CLIENT_CERT_PATH   this worker's client certificate (mTLS)
 *   XPUFLOW_DMS_TLS_CLIENT_KEY_PATH    its key
 *   XPUFLOW_DMS_TLS_SERVER_NAME        name to verify instead of the address's host
 */
import * as grpc from '@grpc/grpc-js';
import { readCertificate, readKeyFor, TlsFileError } from './tls-files';

export interface DmsTls {
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
}

export function dmsTlsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
): DmsTls | undefined {
  const caPath = env.XPUFLOW_DMS_TLS_CA_CERT_PATH;
  const certPath = env.XPUFLOW_DMS_TLS_CLIENT_CERT_PATH;
  const keyPath = env.XPUFLOW_DMS_TLS_CLIENT_KEY_PATH;
  if (!caPath && !certPath && !keyPath) return undefined;
  if (!caPath)
    throw new TlsFileError(
      'DMS TLS needs XPUFLOW_DMS_TLS_CA_CERT_PATH (the CA of the DMS servers) besides the client certificate',
    );
  if (!certPath !== !keyPath)
    throw new TlsFileError(
      'DMS mTLS needs both XPUFLOW_DMS_TLS_CLIENT_CERT_PATH and XPUFLOW_DMS_TLS_CLIENT_KEY_PATH',
    );
  const ca = readCertificate({ path: caPath }, 'DMS CA (XPUFLOW_DMS_TLS_CA_CERT_PATH)', now).pem;
  let pair: { cert: Buffer; key: Buffer } | undefined;
  if (certPath && keyPath) {
    const { pem, cert } = readCertificate(
      { path: certPath },
      'DMS client certificate (XPUFLOW_DMS_TLS_CLIENT_CERT_PATH)',
      now,
    );
    pair = {
      cert: pem,
      key: readKeyFor({ path: keyPath }, cert, 'DMS client key (XPUFLOW_DMS_TLS_CLIENT_KEY_PATH)'),
    };
  }
  const serverName = env.XPUFLOW_DMS_TLS_SERVER_NAME;
  return {
    credentials: grpc.credentials.createSsl(ca, pair?.key ?? null, pair?.cert ?? null),
    channelOptions: serverName
      ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName }
      : {},
  };
}
