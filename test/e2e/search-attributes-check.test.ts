/** A control worker refuses to start on a namespace without xpuflow's search attributes (or with one of the wrong type, or no namespace at all), and says what to run. */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { requireSearchAttributes } from '../../platform/connection/search-attributes-check';
import { DevServer } from '../support/dev-server';
import { registerSearchAttributes } from '../support/search-attributes';

test('missing search attributes are named with the command that creates them; present ones pass', async () => {
  const server = new DevServer({ registerSearchAttributes: false });
  await server.start();
  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection, namespace: 'default' });
    await expect(requireSearchAttributes(client)).rejects.toThrow(
      /lacks xpuflow's search attributes XpuflowPhase, XpuflowDpu, XpuflowNode; create them with:\n {2}xpuflow setup --namespace default\nor, with the Temporal CLI:\n {2}temporal operator search-attribute create --namespace default --name XpuflowPhase --type Keyword/,
    );
    await registerSearchAttributes(connection);
    await expect(requireSearchAttributes(client)).resolves.toBeUndefined();
  } finally {
    await connection.close();
    await server.dispose();
  }
}, 90_000);

test('an attribute registered as Text, and a namespace that does not exist, are named with what to run', async () => {
  const server = new DevServer({ registerSearchAttributes: false });
  await server.start();
  const connection = await Connection.connect({ address: server.address });
  try {
    const text = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT;
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: { XpuflowPhase: text, XpuflowDpu: keyword, XpuflowNode: keyword },
    });
    await expect(requireSearchAttributes(new Client({ connection, namespace: 'default' }))).rejects.toThrow(
      /^namespace default has XpuflowPhase as Text; xpuflow needs Keyword\. [\s\S]*temporal operator search-attribute remove --namespace default --name XpuflowPhase && temporal operator search-attribute create --namespace default --name XpuflowPhase --type Keyword$/,
    );
    await expect(
      requireSearchAttributes(new Client({ connection, namespace: 'no-such-ns' })),
    ).rejects.toThrow(
      /^namespace no-such-ns does not exist on this Temporal cluster; an administrator creates it, with xpuflow's search attributes, with:\n {2}xpuflow setup --namespace no-such-ns --retention 7d\n/,
    );
  } finally {
    await connection.close();
    await server.dispose();
  }
}, 90_000);
