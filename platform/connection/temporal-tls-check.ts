/**
 * Checks the TLS files Temporal's envconfig names (TEMPORAL_TLS_* or the
 * profile's [tls] table in the TOML file) before connecting, so a wrong path,
 * an expired certificate or a mismatched key is named, with the setting.
 */
import { loadClientConfigProfile } from '@temporalio/envconfig';
import { readCertificate, readKeyFor, TlsFileError, type Source } from './tls-files';

export function checkTemporalTlsFiles(env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): void {
  let tls;
  try {
    tls = loadClientConfigProfile({
      profile: env.TEMPORAL_PROFILE,
      overrideEnvVars: env as Record<string, string>,
    }).tls;
  } catch (err) {
    throw new TlsFileError(
      `Temporal connection settings do not load (TEMPORAL_CONFIG_FILE=${env.TEMPORAL_CONFIG_FILE ?? 'default'}, profile ${env.TEMPORAL_PROFILE ?? 'default'}): ${(err as Error).message}`,
    );
  }
  if (!tls || tls.disabled) return;
  if (tls.serverCACert)
    readCertificate(tls.serverCACert as Source, 'Temporal server CA (TEMPORAL_TLS_SERVER_CA_CERT_PATH)', now);
  if (tls.clientCert || tls.clientKey) {
    if (!tls.clientCert || !tls.clientKey)
      throw new TlsFileError(
        'mTLS to Temporal needs both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or client_cert_path and client_key_path in the profile)',
      );
    const { cert } = readCertificate(
      tls.clientCert as Source,
      'Temporal client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)',
      now,
    );
    readKeyFor(tls.clientKey as Source, cert, 'Temporal client key (TEMPORAL_TLS_CLIENT_KEY_PATH)');
  }
}
