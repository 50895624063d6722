/** `xpuflow demo`: provision a simulated fleet end to end. */
import { Command, InvalidArgumentError } from 'commander';
import { runDemo } from './run-demo';

function positive(name: string, min = 1) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min)
      throw new InvalidArgumentError(`${name} ${JSON.stringify(v)} must be a number ≥ ${min}`);
    return n;
  };
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'provision a simulated fleet on Temporal: simulators and workers start in this process tree;\n' +
        'exits 0 when every DPU is Ready, 1 otherwise',
    )
    .option('--hosts <n>', 'simulated hosts', positive('--hosts'), 2)
    .option('--dpus <n>', 'DPUs per host', positive('--dpus'), 2)
    .option('--flash-seconds <s>', 'how long each simulated flash takes', positive('--flash-seconds', 0), 20)
    .option(
      '--reboot-seconds <s>',
      'how long each simulated reboot takes',
      positive('--reboot-seconds', 0),
      5,
    )
    .option('--bfb-mib <n>', 'size of the simulated BFB', positive('--bfb-mib', 0), 16)
    .option('--num-vfs <n>', 'VFs per DPU host PF', positive('--num-vfs', 0), 4)
    .option('--timeout-seconds <s>', 'give up after this long', positive('--timeout-seconds'), 900)
    .option(
      '--work-dir <dir>',
      'where simulated sysfs trees, the BFB cache and worker logs go',
      '.xpuflow/demo',
    )
    .action(async (o) => {
      process.exitCode = await runDemo({
        hosts: o.hosts,
        dpus: o.dpus,
        flashSeconds: o.flashSeconds,
        rebootSeconds: o.rebootSeconds,
        bfbMib: o.bfbMib,
        numVfs: o.numVfs,
        timeoutSeconds: o.timeoutSeconds,
        workDir: o.workDir,
      });
    });
}
