#!/usr/bin/env node
/** The xpuflow command. */
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error';
import { commandsFor } from './command-table';
import { InputRefused } from './dpu/start-provision';
import { explainNamespaceNotFound } from '../platform/connection/namespace-check';

const program = new Command('xpuflow')
  .description(
    'Durable DPU/IPU provisioning on Temporal.\n' +
      'Temporal is found through TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_* and TEMPORAL_API_KEY\n' +
      '(or a Temporal envconfig TOML file); by default the local dev server of ./temporal-dev.sh.',
  )
  .showHelpAfterError()
  .exitOverride();
// Only the command named is loaded (cli/command-table.ts): the chart's control
// worker is `xpuflow worker control` and should not carry the other commands.
for (const command of commandsFor(process.argv.slice(2))) program.addCommand(command);

program.parseAsync(process.argv).catch((thrown: unknown) => {
  // "Namespace not found" from any command, with what to run (namespace-check.ts).
  const err = explainNamespaceNotFound(thrown);
  if (err instanceof CommanderError) {
    process.exit(err.exitCode);
  }
  if (err instanceof CliError || err instanceof InputRefused) {
    console.error(`xpuflow: ${err.message}`);
    process.exit(err instanceof CliError ? err.exitCode : 2);
  }
  console.error(`xpuflow: ${(err as Error).message ?? err}`);
  process.exit(1);
});
