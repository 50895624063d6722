#!/usr/bin/env node
/** The xpuflow command. */
import { Command, CommanderError } from 'commander';
import { chainCommand } from './service-chain/command';
import { CliError } from './cli-error';
import { codecServerCommand } from './codec/command';
import { controllerCommand } from './controller-command';
import { replayCommand } from './replay/command';
import { resetCommand } from './reset/command';
import { runsCommand } from './runs/command';
import { setupCommand } from './setup/command';
import { demoCommand } from './demo/command';
import { doctorCommand } from './doctor/command';
import { dpuCommand } from './dpu/commands';
import { InputRefused } from './dpu/start-provision';
import { vfCommand } from './vf/commands';
import { serviceCommand } from './dpu-service/commands';
import { deploymentCommand } from './dpu-deployment/command';
import { workerCommand } from './worker-commands';
import { explainNamespaceNotFound } from '../platform/connection/namespace-check';

const program = new Command('xpuflow')
  .description(
    'Durable DPU/IPU provisioning on Temporal.\n' +
      'Temporal is found through TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_* and TEMPORAL_API_KEY\n' +
      '(or a Temporal envconfig TOML file); by default the local dev server of ./temporal-dev.sh.',
  )
  .showHelpAfterError()
  .exitOverride()
  .addCommand(setupCommand())
  .addCommand(dpuCommand())
  .addCommand(vfCommand())
  .addCommand(chainCommand())
  .addCommand(serviceCommand())
  .addCommand(deploymentCommand())
  .addCommand(demoCommand())
  .addCommand(workerCommand())
  .addCommand(controllerCommand())
  .addCommand(runsCommand())
  .addCommand(replayCommand())
  .addCommand(resetCommand())
  .addCommand(doctorCommand())
  .addCommand(codecServerCommand());

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
