/**
 * Checks the namespace has xpuflow's search attributes, each as Keyword:
 * before a worker starts (without them every workflow task fails and retries
 * forever with a warning in the worker log), before a command starts a
 * workflow, and in `xpuflow setup`. A namespace that does not exist, and an
 * attribute registered with another type than Keyword, are named the same
 * way, with the command that fixes them.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../../model/search-attributes';
import { isNamespaceNotFound, NamespaceMissing } from './namespace-check';

export const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** One of xpuflow's search attributes as the namespace has it. */
export type SearchAttributeState =
  | { name: string; state: 'present' }
  | { name: string; state: 'missing' }
  /** Registered with another type: `type` as `temporal operator search-attribute list` shows it (e.g. `Text`). */
  | { name: string; state: 'wrong-type'; type: string };

export interface SearchAttributeProblems {
  /** Not registered on the namespace. */
  missing: string[];
  /** Registered with another type: name and that type (e.g. `Text`). */
  wrongType: Array<{ name: string; type: string }>;
}

/** `INDEXED_VALUE_TYPE_TEXT` → `Text`, as `temporal operator search-attribute list` shows it. */
export function typeName(t: number): string {
  const raw = temporal.api.enums.v1.IndexedValueType[t] ?? String(t);
  return raw
    .replace(/^INDEXED_VALUE_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** Each of xpuflow's search attributes on the client's namespace (NamespaceMissing when there is none). */
export async function searchAttributeStates(client: Client): Promise<SearchAttributeState[]> {
  const namespace = client.options.namespace;
  let resp;
  try {
    resp = await client.connection.operatorService.listSearchAttributes({ namespace });
  } catch (err) {
    if (isNamespaceNotFound(err)) throw new NamespaceMissing(namespace, { cause: err });
    throw err;
  }
  const known = resp.customAttributes ?? {};
  return SEARCH_ATTRIBUTE_KEYS.map((k): SearchAttributeState => {
    const t = known[k.name];
    if (t === undefined || t === null) return { name: k.name, state: 'missing' };
    if (t !== KEYWORD) return { name: k.name, state: 'wrong-type', type: typeName(t) };
    return { name: k.name, state: 'present' };
  });
}

export async function searchAttributeProblems(client: Client): Promise<SearchAttributeProblems> {
  const states = await searchAttributeStates(client);
  return {
    missing: states.filter((s) => s.state === 'missing').map((s) => s.name),
    wrongType: states.flatMap((s) => (s.state === 'wrong-type' ? [{ name: s.name, type: s.type }] : [])),
  };
}

export async function missingSearchAttributes(client: Client): Promise<string[]> {
  return (await searchAttributeProblems(client)).missing;
}

/**
 * What to say of attributes registered with another type than Keyword. A
 * type cannot be changed in place: the operator API only adds and removes
 * attributes, and adding a name the namespace has already is skipped with a
 * warning in the server's log, whatever type is asked for
 * (go.temporal.io/server@v1.32.2 service/frontend/operator_handler.go,
 * addSearchAttributesSQL and addSearchAttributesInternal:
 * "Search attribute %s already exists.").
 */
export function wrongTypeLines(namespace: string, wrongType: SearchAttributeProblems['wrongType']): string[] {
  if (wrongType.length === 0) return [];
  return [
    `namespace ${namespace} has ${wrongType.map((w) => `${w.name} as ${w.type}`).join(', ')}; xpuflow needs Keyword. ` +
      'A type cannot be changed in place; an administrator removes and creates each again:',
    ...wrongType.map(
      (w) =>
        `  temporal operator search-attribute remove --namespace ${namespace} --name ${w.name} && ` +
        `temporal operator search-attribute create --namespace ${namespace} --name ${w.name} --type Keyword`,
    ),
  ];
}

export async function requireSearchAttributes(client: Client): Promise<void> {
  const ns = client.options.namespace;
  const { missing, wrongType } = await searchAttributeProblems(client);
  const lines: string[] = [];
  if (missing.length > 0) {
    lines.push(`namespace ${ns} lacks xpuflow's search attributes ${missing.join(', ')}; create them with:`);
    lines.push(`  xpuflow setup --namespace ${ns}`);
    lines.push('or, with the Temporal CLI:');
    for (const name of missing)
      lines.push(
        `  temporal operator search-attribute create --namespace ${ns} --name ${name} --type Keyword`,
      );
  }
  lines.push(...wrongTypeLines(ns, wrongType));
  if (lines.length > 0) throw new Error(lines.join('\n'));
}
