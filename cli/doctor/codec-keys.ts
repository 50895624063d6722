/**
 * doctor: the payload codec keys the CLI and workers load (XPUFLOW_CODEC_KEYS)
 * load, encrypt and decrypt a payload; and, when the namespace answers, they
 * decrypt the inputs of the newest runs (a key rotated out too early, or a
 * CLI without the keys the workers encrypt with, shows here).
 */
import type { Client } from '@temporalio/client';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, AesGcmCodec, CodecKeyError } from '../../platform/codec';
import { CODEC_KEYS_ENV } from '../../platform/codec/data-converter';
import { KeyringError, loadKeyring } from '../../platform/codec/keyring';
import { temporal } from '@temporalio/proto';
import { Problem, type Check } from './check';

/** How many of the newest runs' inputs are decrypted. */
const SAMPLED_RUNS = 10;

type Payload = temporal.api.common.v1.IPayload;

export const codecKeysCheck: Check = {
  name: 'codec-keys',
  needs: [],
  timeoutFix: 'the Temporal frontend answers but slowly: check its health (temporal operator cluster health)',
  async run(ctx) {
    const location = ctx.env[CODEC_KEYS_ENV];
    let codec: AesGcmCodec | undefined;
    let said: string;
    if (location) {
      let keyring;
      try {
        keyring = loadKeyring(location);
      } catch (err) {
        if (err instanceof KeyringError)
          throw new Problem(
            err.message,
            `fix ${CODEC_KEYS_ENV}=${location} (see README "Encrypted payloads")`,
          );
        throw err;
      }
      codec = new AesGcmCodec(keyring);
      const plain: Payload = {
        metadata: { encoding: Buffer.from('json/plain') },
        data: Buffer.from('"doctor"'),
      };
      const [back] = await codec.decode(await codec.encode([plain]));
      if (Buffer.from(back.data ?? []).toString() !== '"doctor"')
        throw new Problem(
          `the keyring ${location} does not give back what it encrypted`,
          'make its keys again with `openssl rand -base64 32`',
        );
      said = `keys ${keyring.ids.join(', ')} from ${location} encrypt and decrypt (current ${keyring.currentId})`;
    } else {
      said = `payloads are not encrypted (${CODEC_KEYS_ENV} not set)`;
    }
    if (!ctx.namespaceReady) return `${said}; run inputs not sampled (the namespace did not answer)`;
    const sampled = await sampleRuns(ctx.client!, ctx.timeoutMs);
    for (const { workflowId, payloads } of sampled) {
      const encrypted = payloads.find(
        (p) => Buffer.from(p.metadata?.encoding ?? []).toString() === ENCRYPTED_ENCODING,
      );
      if (!encrypted) continue;
      const keyId = Buffer.from(encrypted.metadata?.[KEY_ID_METADATA] ?? []).toString();
      if (!codec)
        throw new Problem(
          `the input of ${workflowId} is encrypted (key ID ${keyId}), but ${CODEC_KEYS_ENV} is not set here`,
          `set ${CODEC_KEYS_ENV} to the keyring the workers use`,
        );
      try {
        await codec.decode(payloads);
      } catch (err) {
        if (err instanceof CodecKeyError)
          throw new Problem(
            `the input of ${workflowId} does not decrypt: ${err.message}`,
            `give ${CODEC_KEYS_ENV} every key the workers have encrypted with (key ID ${keyId})`,
          );
        throw err;
      }
    }
    return `${said}; inputs of the ${sampled.length} newest runs read`;
  },
};

/** The input payloads of the newest runs: the first event of each history. */
async function sampleRuns(
  client: Client,
  timeoutMs: number,
): Promise<Array<{ workflowId: string; payloads: Payload[] }>> {
  const deadline = Date.now() + timeoutMs;
  const namespace = client.options.namespace;
  const list = await client.connection.withDeadline(deadline, () =>
    client.workflowService.listWorkflowExecutions({ namespace, pageSize: SAMPLED_RUNS }),
  );
  const runs = (list.executions ?? []).slice(0, SAMPLED_RUNS);
  return Promise.all(
    runs.map(async (r) => {
      const h = await client.connection.withDeadline(deadline, () =>
        client.workflowService.getWorkflowExecutionHistory({
          namespace,
          execution: r.execution,
          maximumPageSize: 1,
        }),
      );
      const started = h.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
      return { workflowId: r.execution?.workflowId ?? '?', payloads: started?.input?.payloads ?? [] };
    }),
  );
}
