/** `xpuflow setup`: the namespace and xpuflow's search attributes, once per namespace, idempotently. */
import { Command } from 'commander';
import { connectClient, temporalSettings } from '../../platform/connection/temporal';
import { CliError } from '../cli-error';
import { parseRetention, parseWait } from './options';
import { runSetup } from './setup';

export function setupCommand(): Command {
  return new Command('setup')
    .description(
      'what an administrator runs once per namespace (again at will: it changes nothing that is right):\n' +
        'creates the namespace with --retention if it does not exist, registers the search attributes\n' +
        'xpuflow uses (XpuflowPhase, XpuflowDpu, XpuflowNode, Keyword) through the operator API, says\n' +
        'which already existed, and waits until visibility accepts them. One registered with another\n' +
        'type is reported with the commands that replace it (a type cannot be changed in place); exit 1.\n' +
        'Temporal connection from the environment, as every command (TEMPORAL_ADDRESS, TEMPORAL_TLS_*, ...)',
    )
    .option('--namespace <ns>', 'the namespace (default $TEMPORAL_NAMESPACE, or default)')
    .option(
      '--retention <duration>',
      'how long closed runs are kept (e.g. 7d, 72h), for a namespace setup creates; an existing ' +
        "namespace's retention is left as it is",
      parseRetention,
    )
    .option('--wait <seconds>', 'how long to wait for the cluster to show the changes', parseWait, 120_000)
    .option('--json', 'print the report as JSON, for scripts')
    .action(async (o: { namespace?: string; retention?: number; wait: number; json?: boolean }) => {
      const settings = temporalSettings();
      const client = await connectClient({ ...settings, namespace: o.namespace ?? settings.namespace });
      try {
        const report = await runSetup(client, {
          retentionMs: o.retention,
          waitMs: o.wait,
          log: (line) => {
            if (!o.json) console.log(line);
          },
        });
        if (o.json) console.log(JSON.stringify(report, null, 2));
        else {
          for (const n of report.notes) console.log(`note: ${n}`);
          const created = report.searchAttributes.filter((s) => s.state === 'created').map((s) => s.name);
          const existed = report.searchAttributes.filter((s) => s.state === 'existed').map((s) => s.name);
          if (report.namespaceState === 'created') created.unshift(`namespace ${report.namespace}`);
          else existed.unshift(`namespace ${report.namespace}`);
          console.log(
            `created: ${created.join(', ') || 'nothing'}; already existed: ${existed.join(', ') || 'nothing'}` +
              ` (retention ${report.retention}; visible ${(report.visibleAfterMs / 1000).toFixed(1)} s after the last change)`,
          );
        }
        if (report.problems.length > 0) throw new CliError(report.problems.join('\n'), 1);
        if (!o.json) console.log(`namespace ${report.namespace} is ready for xpuflow`);
      } finally {
        await client.connection.close();
      }
    });
}
