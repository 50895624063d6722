/**
 * doctor: Temporal answers at the address, with the TLS and API key the
 * workers and the other commands take from the environment (TEMPORAL_* or the
 * envconfig TOML profile), through the same connection code.
 */
import { TlsFileError } from '../../platform/connection/tls-files';
import { connectClient, temporalSettings } from '../../platform/connection/temporal';
import { Problem, type Check } from './check';

const SETTINGS = 'TEMPORAL_ADDRESS, TEMPORAL_TLS_*, TEMPORAL_API_KEY or the TEMPORAL_CONFIG_FILE profile';

export const temporalConnectionCheck: Check = {
  name: 'temporal',
  needs: [],
  timeoutFix: `check that Temporal listens at TEMPORAL_ADDRESS and nothing between drops the connection (${SETTINGS})`,
  async run(ctx) {
    let s;
    try {
      s = temporalSettings(ctx.env);
    } catch (err) {
      if (err instanceof TlsFileError)
        throw new Problem(err.message, 'fix or replace the file it names, or unset that setting');
      throw err;
    }
    let client;
    try {
      // Leaves a second of the check's time to say why, rather than time out unexplained.
      client = await connectClient(s, {
        connectTimeoutMs: Math.max(1000, ctx.timeoutMs - 1000),
        codec: false,
      });
    } catch (err) {
      const message = (err as Error).message;
      // connectClient's message names the TLS problem and its setting; else it is the connection's own error.
      if (message.startsWith('TLS handshake'))
        throw new Problem(
          message,
          'fix the TLS setting the message names (TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH, TEMPORAL_TLS_SERVER_NAME)',
        );
      const cause = ((err as Error).cause as Error | undefined)?.message ?? message;
      throw new Problem(
        `cannot reach Temporal at ${s.address} (namespace ${s.namespace}, TLS ${s.tls ? 'on' : 'off'}): ${cause}`,
        `start Temporal there (./temporal-dev.sh start for the local dev server), or point ${SETTINGS} at the cluster`,
      );
    }
    ctx.client = client;
    ctx.apiKeySet = Boolean(s.connectionOptions.apiKey);
    const info = await client.connection.withDeadline(Date.now() + ctx.timeoutMs, () =>
      client.workflowService.getSystemInfo({}),
    );
    const apiKey = ctx.apiKeySet ? 'API key set' : 'no API key';
    return `Temporal ${info.serverVersion || '(version not said)'} at ${s.address} answers (TLS ${s.tls ? 'on' : 'off'}, ${apiKey})`;
  },
};
