/**
 * `xpuflow setup`: what an administrator runs once per namespace, and again
 * at will (it changes nothing that is already right). It creates the
 * namespace with the retention the operator chose, registers xpuflow's search
 * attributes as Keyword through the operator API, and says which already
 * existed. An attribute registered with another type is reported with what
 * to run: the operator API cannot change a type in place
 * (platform/connection/search-attributes-check.ts). It returns only once a
 * visibility query on every attribute is accepted: on a real cluster a new
 * namespace and new attributes reach the frontend's caches seconds later.
 */
import type { Client } from '@temporalio/client';
import { status as grpcStatus } from '@grpc/grpc-js';
import { msNumberToTs, optionalTsToMs } from '@temporalio/common/lib/time';
import { isNamespaceNotFound, NamespaceMissing } from '../../platform/connection/namespace-check';
import {
  KEYWORD,
  searchAttributeStates,
  wrongTypeLines,
  type SearchAttributeState,
} from '../../platform/connection/search-attributes-check';
import { CliError } from '../cli-error';

export interface SetupOptions {
  /** Retention of a namespace setup creates; required when the namespace does not exist. */
  retentionMs?: number;
  /** How long to wait for the namespace and the attributes to be usable. */
  waitMs: number;
  /** Each step, as it happens. */
  log: (line: string) => void;
}

export interface SetupReport {
  namespace: string;
  namespaceState: 'created' | 'existed';
  /** The namespace's retention, e.g. `7d`. */
  retention: string;
  searchAttributes: Array<{ name: string; state: 'created' | 'existed' | 'wrong-type'; type: string }>;
  /** Milliseconds from the last change until every attribute was accepted by a visibility query. */
  visibleAfterMs: number;
  /** Notes for the operator that do not fail setup (a retention other than the one asked for). */
  notes: string[];
  /** What is wrong and what to run; setup exits 1 when there is any. */
  problems: string[];
}

/** 604800000 → `7d`, 5400000 → `90m`: the largest unit that divides it. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const isCode = (err: unknown, code: grpcStatus): boolean => (err as { code?: number }).code === code;

/**
 * Retries `attempt` every 500 ms while it throws an error `transient` accepts,
 * until `deadline`; then throws the last error with `what` in front.
 */
async function retrying<T>(
  what: string,
  deadline: number,
  transient: (err: unknown) => boolean,
  attempt: () => Promise<T>,
): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!transient(err)) throw err;
      if (Date.now() > deadline)
        throw new CliError(`${what} did not succeed in time: ${(err as Error).message}`, 1);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * The cluster has not caught up with a change yet: a namespace just created
 * is not in a service's namespace cache (NOT_FOUND), or the SQL visibility
 * path of AddSearchAttributes could not describe it yet (UNAVAILABLE, "Unable
 * to get namespace … info", go.temporal.io/server@v1.32.2
 * service/frontend/operator_handler.go addSearchAttributesSQL).
 */
const notYet = (err: unknown) =>
  err instanceof NamespaceMissing || isNamespaceNotFound(err) || isCode(err, grpcStatus.UNAVAILABLE);

async function ensureNamespace(
  client: Client,
  o: SetupOptions,
  deadline: number,
): Promise<Pick<SetupReport, 'namespaceState' | 'retention' | 'notes'>> {
  const namespace = client.options.namespace;
  const svc = client.workflowService;
  let existing;
  try {
    existing = await svc.describeNamespace({ namespace });
  } catch (err) {
    if (!isNamespaceNotFound(err)) throw err;
  }
  if (existing) {
    const retentionMs = optionalTsToMs(existing.config?.workflowExecutionRetentionTtl) ?? 0;
    const notes: string[] = [];
    o.log(`namespace ${namespace}: already existed (retention ${formatDuration(retentionMs)})`);
    if (o.retentionMs !== undefined && o.retentionMs !== retentionMs)
      notes.push(
        `namespace ${namespace} keeps its retention ${formatDuration(retentionMs)}, not the ` +
          `${formatDuration(o.retentionMs)} asked for: setup does not change what exists; to change it run\n` +
          `  temporal operator namespace update --namespace ${namespace} --retention ${formatDuration(o.retentionMs)}`,
      );
    return { namespaceState: 'existed', retention: formatDuration(retentionMs), notes };
  }
  if (o.retentionMs === undefined)
    throw new CliError(
      `namespace ${namespace} does not exist: give the retention of its closed runs to create it, e.g.\n` +
        `  xpuflow setup --namespace ${namespace} --retention 7d`,
    );
  try {
    await svc.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msNumberToTs(o.retentionMs),
      description: "xpuflow's namespace (xpuflow setup)",
    });
  } catch (err) {
    // Another administrator's setup created it meanwhile: it existed.
    if (isCode(err, grpcStatus.ALREADY_EXISTS)) return ensureNamespace(client, { ...o }, deadline);
    if (isCode(err, grpcStatus.INVALID_ARGUMENT))
      throw new CliError(
        `the cluster refused namespace ${namespace} with retention ${formatDuration(o.retentionMs)}: ` +
          `${(err as Error).message}; give a --retention at or above the cluster's minimum ` +
          '(dynamic config system.namespaceMinRetentionLocal, 1h by default; ' +
          'system.namespaceMinRetentionGlobal, 24h, for a global namespace)',
      );
    throw err;
  }
  o.log(`namespace ${namespace}: created (retention ${formatDuration(o.retentionMs)})`);
  return { namespaceState: 'created', retention: formatDuration(o.retentionMs), notes: [] };
}

/** The query every xpuflow attribute must be accepted in, e.g. `XpuflowPhase = '' OR XpuflowDpu = ''`. */
function visibilityProbe(names: string[]): string {
  return names.map((n) => `${n} = ''`).join(' OR ');
}

export async function runSetup(client: Client, o: SetupOptions): Promise<SetupReport> {
  const namespace = client.options.namespace;
  const deadline = Date.now() + o.waitMs;
  const ns = await ensureNamespace(client, o, deadline);

  // A namespace just created reaches the frontend's namespace cache within its refresh interval.
  const before = await retrying(
    `reading the search attributes of namespace ${namespace}`,
    deadline,
    notYet,
    () => searchAttributeStates(client),
  );
  const missing = before.filter((s) => s.state === 'missing').map((s) => s.name);
  if (missing.length > 0) {
    await retrying(`registering ${missing.join(', ')} on namespace ${namespace}`, deadline, notYet, () =>
      client.connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
      }),
    );
  }
  const changedAt = Date.now();

  // Until the operator API lists what was added, and visibility accepts a query on each Keyword attribute.
  const after = await retrying(
    `waiting for ${missing.join(', ') || "xpuflow's search attributes"} to be visible in namespace ${namespace}`,
    deadline,
    (err) => notYet(err) || err instanceof NotVisibleYet || isCode(err, grpcStatus.INVALID_ARGUMENT),
    async () => {
      const states = await searchAttributeStates(client);
      const absent = states.filter((s) => s.state === 'missing').map((s) => s.name);
      if (absent.length > 0)
        throw new NotVisibleYet(`the operator API does not list ${absent.join(', ')} yet`);
      const keywords = states.filter((s) => s.state === 'present').map((s) => s.name);
      // INVALID_ARGUMENT while the frontend does not know an attribute yet (retried above).
      if (keywords.length > 0) await client.workflow.count(visibilityProbe(keywords));
      return states;
    },
  );
  const visibleAfterMs = Date.now() - changedAt;

  const searchAttributes = after.map((s: SearchAttributeState) => {
    const existed = !missing.includes(s.name);
    const type = s.state === 'wrong-type' ? s.type : 'Keyword';
    if (s.state === 'wrong-type') return { name: s.name, state: 'wrong-type' as const, type };
    return { name: s.name, state: existed ? ('existed' as const) : ('created' as const), type };
  });
  for (const s of searchAttributes)
    o.log(
      `search attribute ${s.name}: ${s.state === 'wrong-type' ? `registered as ${s.type}, not Keyword` : `${s.state === 'created' ? 'created' : 'already existed'} (Keyword)`}`,
    );
  const problems = wrongTypeLines(
    namespace,
    searchAttributes.flatMap((s) => (s.state === 'wrong-type' ? [{ name: s.name, type: s.type }] : [])),
  );
  return { namespace, ...ns, searchAttributes, visibleAfterMs, problems };
}

/** The operator API does not list an attribute just added yet. */
class NotVisibleYet extends Error {
  override name = 'NotVisibleYet';
}
