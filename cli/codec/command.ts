/** `xpuflow codec-server`: the codec endpoint the Temporal UI and CLI call to show decoded payloads. */
import { Command, InvalidArgumentError } from 'commander';
import { AesGcmCodec } from '../../platform/codec/aes-gcm-codec';
import { CODEC_KEYS_ENV } from '../../platform/codec/data-converter';
import { loadKeyring } from '../../platform/codec/keyring';
import { startCodecServer } from '../../platform/codec/server';
import { CliError } from '../cli-error';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`port ${JSON.stringify(v)} is not a whole number from 0 to 65535`);
  return n;
}

export function codecServerCommand(): Command {
  return new Command('codec-server')
    .description(
      'serve POST /encode and /decode with the AES-256-GCM payload codec, for the Temporal UI\n' +
        '(temporal server start-dev --ui-codec-endpoint URL, or ./temporal-dev.sh start --ui-codec-endpoint URL)\n' +
        'and `temporal workflow show --codec-endpoint URL`',
    )
    .option('--keys <path>', `key file or mounted Secret directory (default $${CODEC_KEYS_ENV})`)
    .option('--port <n>', 'port to listen on', port, 8081)
    .option('--host <ip>', 'address to listen on', '127.0.0.1')
    .option(
      '--ui-origin <url...>',
      'origin(s) of the Temporal UI allowed by CORS',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('--bearer-token-env <name>', 'require `Authorization: Bearer $NAME` on every call')
    .action(async (o) => {
      const location = o.keys ?? process.env[CODEC_KEYS_ENV];
      if (!location) throw new CliError(`say where the keys are: --keys PATH or ${CODEC_KEYS_ENV}=PATH`);
      const keyring = loadKeyring(location);
      let bearerToken: string | undefined;
      if (o.bearerTokenEnv) {
        bearerToken = process.env[o.bearerTokenEnv];
        if (!bearerToken)
          throw new CliError(`--bearer-token-env ${o.bearerTokenEnv}: that variable is empty`);
      }
      const origins: string[] = o.uiOrigin ?? ['http://127.0.0.1:8233', 'http://localhost:8233'];
      const server = await startCodecServer({
        codec: new AesGcmCodec(keyring),
        corsOrigins: origins,
        bearerToken,
        port: o.port,
        host: o.host,
      });
      console.log(
        `codec server on ${server.url} (keys ${keyring.ids.join(', ')}; encoding with ${keyring.currentId}; ` +
          `CORS for ${origins.join(', ')}${bearerToken ? '; bearer token required' : ''})`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
