import { Command } from 'commander';
import { commandsFor } from '../../cli/command-table';

test('the command a command line names is the only one loaded; help, options first or a mistyped name load every one', () => {
  const loads: string[] = [];
  const table = ['setup', 'worker', 'codec-server'].map((name) => ({
    name,
    load: () => (loads.push(name), new Command(name)),
  }));
  expect(
    commandsFor(['worker', 'control', '--max-cached-workflows', '200'], table).map((c) => c.name()),
  ).toEqual(['worker']);
  expect(loads).toEqual(['worker']);
  for (const args of [[], ['--help'], ['help', 'worker'], ['workr']]) {
    expect(commandsFor(args, table).map((c) => c.name())).toEqual(['setup', 'worker', 'codec-server']);
  }
});

test("the real table's entries load the commands they name", () => {
  // Two only: loading every command under ts-jest costs minutes (the first test proves the table's logic).
  expect(commandsFor(['worker']).map((c) => c.name())).toEqual(['worker']);
  expect(commandsFor(['runs']).map((c) => c.name())).toEqual(['runs']);
});

test('an entry that loads another command than it names is refused, naming both', () => {
  const table = [{ name: 'runs', load: () => new Command('reset') }];
  expect(() => commandsFor(['runs'], table)).toThrow('the entry runs loads the command reset');
  expect(() => commandsFor([], table)).toThrow('the entry runs loads the command reset');
});
