/**
 * How a benchmark starts and ends: its command line read against its
 * declaration before anything starts (--help prints the usage and exits 0; a
 * refused command line says why and exits 2), then its main; a failure prints
 * the error and exits 1. Slowness never fails.
 */
import { type BenchCommand, type FlagValues, type Flags, parseCommandLine } from './command-line';
import { helpText, refusalText } from './command-help';

/** The exit code of a command line refused before anything started (the usual one for usage errors). */
export const USAGE_EXIT = 2;

export function runBench<F extends Flags>(
  command: BenchCommand<F>,
  main: (flags: FlagValues<F>, operands: readonly string[]) => Promise<void>,
): void {
  const parsed = parseCommandLine(command, process.argv.slice(2));
  if (parsed.kind === 'help') {
    // Nothing else is started: the process ends with the empty event loop, exit code 0.
    process.stdout.write(helpText(command));
    return;
  }
  if (parsed.kind === 'wrong') {
    process.stderr.write(refusalText(command, parsed.problems));
    process.exitCode = USAGE_EXIT;
    return;
  }
  main(parsed.flags, parsed.operands).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
