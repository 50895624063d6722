/**
 * A benchmark's command line from its one declaration (bench/command-line.ts):
 * the --help text, the values with their defaults, and the refusals that come
 * before anything starts (bench/command-help.ts words them).
 */
import {
  choiceFlag,
  numberFlag,
  countFlag,
  countListFlag,
  parseCommandLine,
  switchFlag,
  textFlag,
  type BenchCommand,
  type Flags,
  type ParsedCommandLine,
} from '../../bench/command-line';
import { helpText, refusalText } from '../../bench/command-help';

const FLEET = {
  name: 'provision-fleet',
  about: ['one DPU alone, then a fleet.', 'Prints the makespan.'],
  flags: {
    server: choiceFlag(['dev', 'cluster'], 'dev', 'the Temporal server'),
    hosts: countFlag(20, 'simulated hosts'),
    dpus: countFlag(10, 'DPUs per host'),
    bmcs: countFlag(40, 'simulated BMCs', 0),
    'flash-seconds': numberFlag(30, 'flash time'),
    'in-flight': countListFlag([1, 8], 'attaches at once'),
    'control-flags': textFlag('', 'tuning flags for the control worker', 'FLAGS'),
    'max-unavailable': textFlag('10%', 'the DPUSet maxUnavailable', 'N|N%', /^\d+%?$/),
    history: switchFlag('print one history'),
  },
};

function run<F extends Flags>(command: BenchCommand<F>, ...args: string[]) {
  const parsed: ParsedCommandLine<F> = parseCommandLine(command, args);
  if (parsed.kind !== 'run') throw new Error(`expected values, got ${JSON.stringify(parsed)}`);
  return parsed;
}

function problems(...args: string[]): readonly string[] {
  const parsed = parseCommandLine(FLEET, args);
  if (parsed.kind !== 'wrong') throw new Error(`expected a refusal, got ${JSON.stringify(parsed)}`);
  return parsed.problems;
}

test('--help says what the bench measures, how it is run, and every flag with its value and default', () => {
  const help = helpText(FLEET);
  expect(help).toContain('provision-fleet: one DPU alone, then a fleet.\nPrints the makespan.');
  expect(help).toContain('usage: node dist/bench/provision-fleet.js [flags]');
  const line = (flag: string) => help.split('\n').find((l) => l.trimStart().startsWith(`${flag} `));
  expect(line('--server')).toMatch(/^ {2}--server dev\|cluster +the Temporal server \(default dev\)$/);
  expect(line('--hosts')).toMatch(/^ {2}--hosts N +simulated hosts \(default 20\)$/);
  expect(line('--dpus')).toMatch(/DPUs per host \(default 10\)$/);
  expect(line('--flash-seconds')).toMatch(/flash time \(default 30\)$/);
  expect(line('--in-flight')).toMatch(/^ {2}--in-flight N,N… +attaches at once \(default 1,8\)$/);
  expect(line('--control-flags')).toMatch(/^ {2}--control-flags FLAGS +tuning flags .*\(default none\)$/);
  expect(line('--max-unavailable')).toMatch(/^ {2}--max-unavailable N\|N% .*\(default 10%\)$/);
  expect(line('--history')).toMatch(/^ {2}--history +print one history$/);
  expect(help).toMatch(/^ {2}-h, --help +print this and exit$/m);
  // One column for the meanings, so the flags read as a table.
  const columns = help
    .split('\n')
    .filter((l) => l.startsWith('  -'))
    .map((l) => /^( {2}\S.*? {2,})\S/.exec(l)?.[1].length);
  expect(columns).toHaveLength(10);
  expect(new Set(columns)).toEqual(new Set([columns[0]]));
});

test('--help or -h anywhere a flag stands is help, even beside a wrong flag; also after a flag that wants a value', () => {
  expect(parseCommandLine(FLEET, ['--help'])).toEqual({ kind: 'help' });
  expect(parseCommandLine(FLEET, ['--hosts', '2', '-h'])).toEqual({ kind: 'help' });
  expect(parseCommandLine(FLEET, ['--dpu', '5', '--help'])).toEqual({ kind: 'help' });
  expect(parseCommandLine(FLEET, ['--control-flags', '--help'])).toEqual({ kind: 'help' });
});

test('defaults fill what is not given; given values are read as numbers, lists, words, text and switches', () => {
  expect(run(FLEET).flags).toEqual({
    server: 'dev',
    hosts: 20,
    dpus: 10,
    bmcs: 40,
    'flash-seconds': 30,
    'in-flight': [1, 8],
    'control-flags': '',
    'max-unavailable': '10%',
    history: false,
  });
  const given = run(
    FLEET,
    '--hosts',
    '1',
    '--dpus=3',
    '--bmcs',
    '0',
    '--flash-seconds',
    '0.5',
    '--in-flight',
    '2,16',
    '--server',
    'cluster',
    '--control-flags',
    '--max-cached-workflows 200',
    '--max-unavailable',
    '25%',
    '--history',
  );
  expect(given.flags).toEqual({
    server: 'cluster',
    hosts: 1,
    dpus: 3,
    bmcs: 0,
    'flash-seconds': 0.5,
    'in-flight': [2, 16],
    'control-flags': '--max-cached-workflows 200',
    'max-unavailable': '25%',
    history: true,
  });
  expect(given.operands).toEqual([]);
  expect(run(FLEET, '--flash-seconds', '-1', '--hosts', '1e2').flags).toMatchObject({
    'flash-seconds': -1,
    hosts: 100,
  });
});

test('an unknown or misspelt flag is refused, named with the value given and the nearest known flag', () => {
  expect(problems('--dpu', '5', '--flash-second', '3')).toEqual([
    'unknown flag --dpu (given "5"): did you mean --dpus?',
    'unknown flag --flash-second (given "3"): did you mean --flash-seconds?',
  ]);
  expect(problems('--verbose')).toEqual(['unknown flag --verbose']);
  // Flags take two dashes; one is refused as given, with the flag meant.
  expect(problems('-hosts', '5')).toEqual(['unknown flag -hosts (given "5"): did you mean --hosts?']);
  expect(problems('--dpu', '-3')).toEqual(['unknown flag --dpu (given "-3"): did you mean --dpus?']);
  expect(problems('--workers=4')).toEqual(['unknown flag --workers (given "4")']);
  const text = refusalText(FLEET, problems('--dpu', '5'));
  expect(text).toContain('provision-fleet: unknown flag --dpu (given "5"): did you mean --dpus?\n');
  expect(text).toContain(
    'known flags: --server, --hosts, --dpus, --bmcs, --flash-seconds, --in-flight, --control-flags, --max-unavailable, --history, --help\n',
  );
  expect(text).toContain('node dist/bench/provision-fleet.js --help');
});

test('a value its flag does not take (a number, a count: a whole number of at least its least, N|N%, dev|cluster) is refused, naming the flag, the value and what to give', () => {
  expect(problems('--dpus', 'five')).toEqual([
    '--dpus "five" is not a whole number of at least 1: give one, e.g. 10',
  ]);
  for (const bad of ['', ' ', '0x10', 'Infinity', 'NaN', '3s', '1,2'])
    expect(problems(`--flash-seconds=${bad}`)).toEqual([
      `--flash-seconds ${JSON.stringify(bad)} is not a number: give one, e.g. 30`,
    ]);
  for (const bad of ['2.5', '0', '-1', 'five'])
    expect(problems('--hosts', bad)).toEqual([
      `--hosts ${JSON.stringify(bad)} is not a whole number of at least 1: give one, e.g. 20`,
    ]);
  expect(problems('--bmcs', '-1')).toEqual([
    '--bmcs "-1" is not a whole number of at least 0: give one, e.g. 40',
  ]);
  for (const [bad, item] of [
    ['1,x', 'x'],
    ['1,,8', ''],
    ['1,0', '0'],
    ['1.5', '1.5'],
  ])
    expect(problems('--in-flight', bad)).toEqual([
      `--in-flight ${JSON.stringify(bad)} holds ${JSON.stringify(item)}, not a whole number of at least 1: ` +
        'give such numbers separated by commas, e.g. 1,8',
    ]);
  expect(problems('--max-unavailable', 'ten')).toEqual([
    '--max-unavailable "ten" is not N|N%: give one like 10%',
  ]);
  expect(problems('--server', 'staging')).toEqual([
    '--server "staging" is not one of dev, cluster: give one of them',
  ]);
});

test('a flag without its value, given twice, a switch given a value, and a stray argument are refused', () => {
  expect(problems('--hosts')).toEqual(['--hosts has no value: give N, e.g. --hosts 20']);
  expect(problems('--hosts', '--dpus', '2')).toEqual(['--hosts has no value: give N, e.g. --hosts 20']);
  expect(problems('--control-flags', '--hosts=2')).toEqual(['--control-flags has no value: give FLAGS']);
  expect(problems('--hosts', '1', '--hosts', '2')).toEqual(['--hosts is given twice: give it once']);
  expect(problems('--hosts', 'x', '--hosts', '2')).toEqual([
    '--hosts "x" is not a whole number of at least 1: give one, e.g. 20',
    '--hosts is given twice: give it once',
  ]);
  expect(problems('--history=yes')).toEqual(['--history takes no value (given "yes")']);
  expect(problems('200')).toEqual(['unexpected argument "200": provision-fleet takes only flags']);
});

test('a bench that takes operands (file names) gets them in order, and is refused without one', () => {
  const costs = {
    name: 'history-file-cost',
    about: ['what histories cost'],
    flags: {},
    operands: { value: 'HISTORY.json …', meaning: 'one or more histories' },
  };
  expect(run(costs, 'a.json', 'b.json').operands).toEqual(['a.json', 'b.json']);
  expect(parseCommandLine(costs, [])).toEqual({
    kind: 'wrong',
    problems: ['no HISTORY.json … given: name one or more histories'],
  });
  expect(helpText(costs)).toContain(
    'usage: node dist/bench/history-file-cost.js [flags] HISTORY.json …\n  HISTORY.json …  one or more histories',
  );
});
