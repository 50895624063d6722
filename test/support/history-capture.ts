/**
 * Saves a run's history under test/histories/ when XPUFLOW_WRITE_HISTORIES=1
 * (README "Changing a workflow"): the same JSON the Temporal UI and
 * `temporal workflow show --output json` export, replayed by test/replay/.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { REPO_ROOT, temporalCli } from './tools';

function showHistory(address: string, workflowId: string, runId?: string): Buffer {
  return execFileSync(temporalCli(), [
    'workflow',
    'show',
    '--workflow-id',
    workflowId,
    ...(runId ? ['--run-id', runId] : []),
    '--output',
    'json',
    '--address',
    address,
  ]);
}

const historyPath = (fileName: string) => path.join(REPO_ROOT, 'test', 'histories', fileName);

export function captureHistory(address: string, workflowId: string, fileName: string): void {
  if (process.env.XPUFLOW_WRITE_HISTORIES !== '1') return;
  fs.writeFileSync(historyPath(fileName), showHistory(address, workflowId));
}

/** A payload as `temporal workflow show --output json` writes it: metadata values and data in base64. */
interface JsonPayload {
  metadata: Record<string, string>;
  data?: string;
}

function isJsonPayload(v: unknown): v is JsonPayload {
  const m = (v as { metadata?: unknown } | null)?.metadata;
  return typeof m === 'object' && m !== null && typeof (m as { encoding?: unknown }).encoding === 'string';
}

/** Every payload in a history, wherever it sits (inputs, results, signals, failures' details). */
function payloadsIn(v: unknown, found: JsonPayload[] = []): JsonPayload[] {
  if (isJsonPayload(v)) found.push(v);
  else if (Array.isArray(v)) for (const x of v) payloadsIn(x, found);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) payloadsIn(x, found);
  return found;
}

/**
 * Like captureHistory, for a run whose payloads the test encrypted with xpuflow's
 * codec (XPUFLOW_CODEC_KEYS): the replay test runs without keys, so each payload
 * is written back decoded, as a worker's payload converter sees it. runId names an
 * earlier run of a workflow that continued as new (else the latest run).
 */
export async function captureDecodedHistory(
  address: string,
  workflowId: string,
  fileName: string,
  opts: { codec: PayloadCodec; runId?: string },
): Promise<void> {
  if (process.env.XPUFLOW_WRITE_HISTORIES !== '1') return;
  const history: unknown = JSON.parse(showHistory(address, workflowId, opts.runId).toString('utf8'));
  for (const p of payloadsIn(history)) {
    const encoded: Payload = {
      metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(p.data ?? '', 'base64'),
    };
    const [decoded] = await opts.codec.decode([encoded]);
    p.metadata = Object.fromEntries(
      Object.entries(decoded.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    p.data = Buffer.from(decoded.data ?? new Uint8Array()).toString('base64');
  }
  fs.writeFileSync(historyPath(fileName), `${JSON.stringify(history, null, 2)}\n`);
}
