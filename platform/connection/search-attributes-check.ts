/**
 * Checks the namespace has xpuflow's search attributes before a worker
 * starts. Without them every workflow task fails and retries forever with a
 * warning in the worker log; better to refuse to start and say what to run.
 * A namespace that does not exist, and an attribute registered with another
 * type than Keyword, are named the same way, with the command that fixes them.
 */
import type { Client } from '@temporalio/client';
import { status as grpcStatus } from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../../model/search-attributes';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

export interface SearchAttributeProblems {
  /** Not registered on the namespace. */
  missing: string[];
  /** Registered with another type: name and that type (e.g. `Text`). */
  wrongType: Array<{ name: string; type: string }>;
}

/** `INDEXED_VALUE_TYPE_TEXT` → `Text`, as `temporal operator search-attribute list` shows it. */
function typeName(t: number): string {
  const raw = temporal.api.enums.v1.IndexedValueType[t] ?? String(t);
  return raw
    .replace(/^INDEXED_VALUE_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

export async function searchAttributeProblems(client: Client): Promise<SearchAttributeProblems> {
  const namespace = client.options.namespace;
  let resp;
  try {
    resp = await client.connection.operatorService.listSearchAttributes({ namespace });
  } catch (err) {
    if ((err as { code?: number }).code === grpcStatus.NOT_FOUND)
      throw new Error(
        `namespace ${namespace} does not exist on this Temporal cluster; an administrator creates it with:\n` +
          `  temporal operator namespace create --namespace ${namespace} --retention 7d\n` +
          `or set TEMPORAL_NAMESPACE to an existing one`,
        { cause: err },
      );
    throw err;
  }
  const known = resp.customAttributes ?? {};
  const problems: SearchAttributeProblems = { missing: [], wrongType: [] };
  for (const k of SEARCH_ATTRIBUTE_KEYS) {
    const t = known[k.name];
    if (t === undefined) problems.missing.push(k.name);
    else if (t !== KEYWORD) problems.wrongType.push({ name: k.name, type: typeName(t) });
  }
  return problems;
}

export async function missingSearchAttributes(client: Client): Promise<string[]> {
  return (await searchAttributeProblems(client)).missing;
}

export async function requireSearchAttributes(client: Client): Promise<void> {
  const ns = client.options.namespace;
  const { missing, wrongType } = await searchAttributeProblems(client);
  const lines: string[] = [];
  if (missing.length > 0) {
    lines.push(`namespace ${ns} lacks xpuflow's search attributes ${missing.join(', ')}; create them with:`);
    for (const name of missing)
      lines.push(
        `  temporal operator search-attribute create --namespace ${ns} --name ${name} --type Keyword`,
      );
  }
  if (wrongType.length > 0) {
    lines.push(
      `namespace ${ns} has ${wrongType.map((w) => `${w.name} as ${w.type}`).join(', ')}; xpuflow needs Keyword. ` +
        'A type cannot be changed in place; an administrator removes and creates each again:',
    );
    for (const w of wrongType)
      lines.push(
        `  temporal operator search-attribute remove --namespace ${ns} --name ${w.name} && ` +
          `temporal operator search-attribute create --namespace ${ns} --name ${w.name} --type Keyword`,
      );
  }
  if (lines.length > 0) throw new Error(lines.join('\n'));
}
