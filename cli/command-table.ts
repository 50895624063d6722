/**
 * The xpuflow command's subcommands by name, each loaded on demand: a process
 * runs one of them, and loading them all costs it the modules of every other
 * (the host, DPU and guest workers, the Kubernetes client of the controller
 * and the guest side). `xpuflow worker control`, as the chart starts the
 * control worker, reached 148 MiB peak RSS at start with every command loaded
 * and 102 MiB with its own only (README "Worker tuning").
 */
import type { Command } from 'commander';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded when named, see above */
export const COMMANDS: readonly { name: string; load: () => Command }[] = [
  { name: 'setup', load: () => require('./setup/command').setupCommand() },
  { name: 'dpu', load: () => require('./dpu/commands').dpuCommand() },
  { name: 'vf', load: () => require('./vf/commands').vfCommand() },
  { name: 'chain', load: () => require('./service-chain/command').chainCommand() },
  { name: 'service', load: () => require('./dpu-service/commands').serviceCommand() },
  { name: 'deployment', load: () => require('./dpu-deployment/command').deploymentCommand() },
  { name: 'demo', load: () => require('./demo/command').demoCommand() },
  { name: 'worker', load: () => require('./worker-commands').workerCommand() },
  { name: 'controller', load: () => require('./controller-command').controllerCommand() },
  { name: 'runs', load: () => require('./runs/command').runsCommand() },
  { name: 'replay', load: () => require('./replay/command').replayCommand() },
  { name: 'reset', load: () => require('./reset/command').resetCommand() },
  { name: 'doctor', load: () => require('./doctor/command').doctorCommand() },
  { name: 'codec-server', load: () => require('./codec/command').codecServerCommand() },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The commands to add for this command line: the one its first word names,
 * or every one (help, a mistyped name, options first) so that commander lists
 * them and suggests the nearest.
 */
export function commandsFor(
  args: readonly string[],
  table: readonly { name: string; load: () => Command }[] = COMMANDS,
): Command[] {
  const named = table.find((c) => c.name === args[0]);
  const loaded = (named ? [named] : table).map((c) => c.load());
  for (const [i, c] of loaded.entries()) {
    const want = named ? named.name : table[i].name;
    if (c.name() !== want) {
      throw new Error(
        `cli/command-table.ts: the entry ${want} loads the command ${c.name()}; give it its name`,
      );
    }
  }
  return loaded;
}
