/** `xpuflow reset <id> --to <phase>`; see reset.ts for which mechanism runs when. */
import { Command } from 'commander';
import { connectClient } from '../../platform/connection/temporal';
import { RETRYABLE_FROM } from '../../model/phases';
import { phaseArgument, resetRun } from './reset';

export function resetCommand(): Command {
  return new Command('reset')
    .description(
      "run a DPU's provisioning again from a phase. A run parked in Error is retried in place\n" +
        "(the workflow's retry update); a run stuck elsewhere or finished is reset by Temporal to the\n" +
        'workflow task that entered the phase (a new run; the old one is terminated if open)',
    )
    .argument('<id>', 'workflow ID or DPU name')
    .requiredOption('--to <phase>', `one of: ${RETRYABLE_FROM.join(', ')}`)
    .action(async (id: string, o: { to: string }) => {
      const to = phaseArgument(o.to);
      const client = await connectClient();
      const r = await resetRun(client, id, to, process.env.USER ?? 'cli');
      if (r.how === 'retry-update')
        console.log(
          `${r.workflowId}: was in Error; retry ${r.retry} restarts from ${r.restartingFrom} (same run ${r.runId})`,
        );
      else
        console.log(
          `${r.workflowId}: reset to event ${r.eventId} (the task that entered ${to}); new run ${r.newRunId} replaces ${r.oldRunId}`,
        );
      await client.connection.close();
    });
}
