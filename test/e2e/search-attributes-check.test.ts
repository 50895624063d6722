/** A control worker refuses to start on a namespace without xpuflow's search attributes, and says what to run. */
import { Client, Connection } from '@temporalio/client';
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
      /lacks xpuflow's search attributes XpuflowPhase, XpuflowDpu, XpuflowNode[\s\S]*temporal operator search-attribute create --namespace default --name XpuflowPhase --type Keyword/,
    );
    await registerSearchAttributes(connection);
    await expect(requireSearchAttributes(client)).resolves.toBeUndefined();
  } finally {
    await connection.close();
    await server.dispose();
  }
}, 90_000);
