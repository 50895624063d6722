/** `xpuflow replay <id>` / `xpuflow replay --file history.json`: is this history safe with the code of this build? */
import { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { codecDataConverter } from '../../platform/codec/data-converter';
import { connectClient } from '../../platform/connection/temporal';
import { CliError } from '../cli-error';
import { fetchRunHistory, loadHistoryFile, type History } from '../history/load';
import { replay } from './replay';

/** Exit code when the history does not replay: the code change is not safe for runs in flight. */
export const NON_DETERMINISTIC_EXIT = 3;

export function replayCommand(): Command {
  return new Command('replay')
    .description(
      "replay a run's history against this build's workflow code, as a worker deploying it would;\n" +
        `exits 0 when it replays, ${NON_DETERMINISTIC_EXIT} naming the event and phase where the code no longer matches, 2 on bad input`,
    )
    .argument('[id]', 'workflow ID or DPU name of a run on the server')
    .option('--run-id <runId>', 'a particular run (default: the latest)')
    .option('--file <history.json>', 'a history exported by `temporal workflow show --output json` or the UI')
    .action(async (id: string | undefined, o: { runId?: string; file?: string }) => {
      if (!id === !o.file)
        throw new CliError('give either a workflow ID (or DPU name) or --file FILE, not both or neither');
      let history: History;
      let workflowId: string;
      if (o.file) {
        history = loadHistoryFile(o.file);
        workflowId =
          history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? `file:${o.file}`;
      } else {
        const client = await connectClient();
        ({ history, workflowId } = await fetchRunHistory(client, id!, o.runId));
        await client.connection.close();
      }
      // The SDK's own warnings about the failing task would bury the answer: keep errors only.
      Runtime.install({
        logger: new DefaultLogger('ERROR'),
        telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
      });
      const result = await replay(history, workflowId, { dataConverter: codecDataConverter() });
      if (result.ok) {
        console.log(`${workflowId}: all ${result.events} events replay against this build's workflow code`);
        return;
      }
      console.error(
        `${workflowId}: NOT deterministic with this build at event ${result.eventId ?? '?'}` +
          `${result.step ? ` (${result.step})` : ''}${result.phase ? ` in phase ${result.phase}` : ''}\n` +
          `  ${result.detail}\n` +
          '  Runs in flight would fail there. Guard the change with patched() (README "Changing a workflow").',
      );
      process.exitCode = NON_DETERMINISTIC_EXIT;
    });
}
