/** `xpuflow chain show`: service-chain ports and flows on each DPU. */
import { Command } from 'commander';
import { connectClient } from '../../platform/connection/temporal';
import { readChainStates, renderChainStates } from './show';

export function chainCommand(): Command {
  const chain = new Command('chain').description('service chains: OVS ports and flows on the DPUs');
  chain
    .command('show')
    .description(
      "the ports and flows xpuflow owns on each DPU, as each DPU's serviceChain workflow last read them from OVS",
    )
    .option('--dpu <dpu>', 'only this DPU')
    .option('--json', 'print JSON, for scripts')
    .action(async (o: { dpu?: string; json?: boolean }) => {
      const client = await connectClient();
      try {
        const rows = await readChainStates(client, o.dpu);
        console.log(o.json ? JSON.stringify({ dpus: rows }, null, 2) : renderChainStates(rows).join('\n'));
      } finally {
        await client.connection.close();
      }
    });
  return chain;
}
