/** `xpuflow runs list|show`: find runs over search attributes and read one's story from its history. */
import { Command } from 'commander';
import { connectClient } from '../../platform/connection/temporal';
import { Phase } from '../../model/phases';
import { fetchRunHistory } from '../history/load';
import { listRuns, renderRuns } from './list';
import { EXECUTION_STATUSES, visibilityQuery } from './query';
import { renderReport, runReport } from './show';

export function runsCommand(): Command {
  const runs = new Command('runs').description('find provisioning runs and see what happened in one');
  runs
    .command('list')
    .description(
      'provisioning runs, newest first, over the XpuflowPhase/XpuflowNode search attributes\n' +
        '(e.g. which DPUs failed in the last hour: xpuflow runs list --phase Error --since 1h)',
    )
    .option('--phase <phase>', `current phase: ${Object.values(Phase).join(', ')}`)
    .option('--node <node>', 'host node')
    .option('--status <status>', `Temporal run status: ${EXECUTION_STATUSES.join(', ')}`)
    .option('--since <when>', 'started or closed since: a duration (30m, 1h, 2d) or an ISO time')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 200)
    .option('--json', 'print JSON, for scripts')
    .action(async (o) => {
      const query = visibilityQuery(o); // bad filters are refused before connecting
      const client = await connectClient();
      const rows = await listRuns(client, query, o.limit);
      console.log(o.json ? JSON.stringify({ query, runs: rows }, null, 2) : renderRuns(rows).join('\n'));
      await client.connection.close();
    });
  runs
    .command('show <id>')
    .description('a run from its history: phases with times, the failure and its causes, activity attempts')
    .option('--run-id <runId>', 'a particular run (default: the latest)')
    .option('--json', 'print JSON, for scripts')
    .action(async (id: string, o) => {
      const client = await connectClient();
      const { workflowId, history } = await fetchRunHistory(client, id, o.runId);
      const report = runReport(workflowId, history);
      console.log(o.json ? JSON.stringify(report, null, 2) : renderReport(report).join('\n'));
      await client.connection.close();
    });
  return runs;
}
