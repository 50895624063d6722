/** `xpuflow setup`'s option values and how it writes a retention back. */
import { InvalidArgumentError } from 'commander';
import { parseRetention, parseWait } from '../../cli/setup/options';
import { formatDuration } from '../../cli/setup/setup';

test('a retention is a duration above 0, named when it is not', () => {
  expect(parseRetention('7d')).toBe(7 * 86_400_000);
  expect(parseRetention('72h')).toBe(3 * 86_400_000);
  expect(parseRetention('30 days')).toBe(30 * 86_400_000);
  expect(() => parseRetention('a week')).toThrow(InvalidArgumentError);
  expect(() => parseRetention('a week')).toThrow(
    /^"a week" is not a duration \(Invalid duration string: 'a week'\): give e\.g\. 7d, 72h or 30d$/,
  );
  expect(() => parseRetention('0d')).toThrow(/^"0d" must be longer than 0: give e\.g\. 7d$/);
  expect(() => parseRetention('-1d')).toThrow(/must be longer than 0/);
});

test('--wait is seconds above 0', () => {
  expect(parseWait('30')).toBe(30_000);
  expect(() => parseWait('0')).toThrow(/^"0" is not a number of seconds above 0$/);
  expect(() => parseWait('soon')).toThrow(InvalidArgumentError);
});

test('a retention is shown in the largest unit that divides it', () => {
  expect(formatDuration(7 * 86_400_000)).toBe('7d');
  expect(formatDuration(36 * 3_600_000)).toBe('36h');
  expect(formatDuration(90 * 60_000)).toBe('90m');
  expect(formatDuration(1500)).toBe('1500ms');
});
