/**
 * A benchmark's --help, and the lines that follow a refused command line,
 * both from its one declaration (command-line.ts).
 */
import { type BenchCommand, type Flags, knownFlags } from './command-line';

function usageLine(command: BenchCommand<Flags>): string {
  const operands = command.operands ? ` ${command.operands.value}` : '';
  return `node dist/bench/${command.name}.js [flags]${operands}`;
}

/** What it measures, how it is run, and every flag with its value, default and meaning. */
export function helpText(command: BenchCommand<Flags>): string {
  const rows: [string, string][] = Object.entries(command.flags).map(([name, flag]) => [
    `--${name}${flag.value === undefined ? '' : ` ${flag.value}`}`,
    flag.shownDefault === undefined ? flag.meaning : `${flag.meaning} (default ${flag.shownDefault})`,
  ]);
  rows.push(['-h, --help', 'print this and exit']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `${command.name}: ${command.about.join('\n')}`,
    '',
    `usage: ${usageLine(command)}`,
    ...(command.operands ? [`  ${command.operands.value}  ${command.operands.meaning}`] : []),
    '',
    'flags:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
  ].join('\n');
}

/** The problems found, then the flags it knows and where their meaning is. */
export function refusalText(command: BenchCommand<Flags>, problems: readonly string[]): string {
  return [
    ...problems.map((p) => `${command.name}: ${p}`),
    `known flags: ${knownFlags(command).join(', ')}`,
    `(node dist/bench/${command.name}.js --help says what each means and its default)`,
    '',
  ].join('\n');
}
