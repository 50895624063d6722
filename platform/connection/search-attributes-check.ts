/**
 * Checks the namespace has xpuflow's search attributes before a worker
 * starts. Without them every workflow task fails and retries forever with a
 * warning in the worker log; better to refuse to start and say what to run.
 */
import type { Client } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../../model/search-attributes';

export async function missingSearchAttributes(client: Client): Promise<string[]> {
  const resp = await client.connection.operatorService.listSearchAttributes({
    namespace: client.options.namespace,
  });
  const known = new Set(Object.keys(resp.customAttributes ?? {}));
  return SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).filter((name) => !known.has(name));
}

export async function requireSearchAttributes(client: Client): Promise<void> {
  const missing = await missingSearchAttributes(client);
  if (missing.length === 0) return;
  const cmds = missing
    .map(
      (name) =>
        `  temporal operator search-attribute create --namespace ${client.options.namespace} --name ${name} --type Keyword`,
    )
    .join('\n');
  throw new Error(
    `namespace ${client.options.namespace} lacks xpuflow's search attributes ${missing.join(', ')}; create them with:\n${cmds}`,
  );
}
