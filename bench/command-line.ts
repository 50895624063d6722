/**
 * A benchmark's command line, declared once: each flag's name, default and
 * one-line meaning (`BenchCommand`). The same declaration gives the values a
 * bench runs with (`parseCommandLine`), its `--help` text (command-help.ts)
 * and the refusal of a flag it does not know; run-bench.ts puts them together.
 * Flags are `--name value` (or `--name=value`); a switch takes no value.
 */

/** One flag: what its value looks like, its default, its meaning, how its text is read. */
export interface Flag<T> {
  /** The value as the help shows it (`N`, `N,N…`, `dev|cluster`); none for a switch, which takes no value. */
  readonly value?: string;
  readonly fallback: T;
  /** The default as the help shows it; none for a switch. */
  readonly shownDefault?: string;
  /** A value to show in a refusal (`e.g. --hosts 20`); none where the default is empty. */
  readonly example?: string;
  readonly meaning: string;
  /** The value from its text, or what to give instead. */
  readonly read: (text: string) => { value: T } | { wrong: string };
}

export type Flags = Readonly<Record<string, Flag<unknown>>>;

export type FlagValues<F extends Flags> = { readonly [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

export interface BenchCommand<F extends Flags> {
  /** The file's name under dist/bench/, without `.js` (`provision-fleet`). */
  readonly name: string;
  /** What it measures and prints, a few lines. */
  readonly about: readonly string[];
  readonly flags: F;
  /** Arguments that are not flags (file names), one or more; without this a bench takes only flags. */
  readonly operands?: { readonly value: string; readonly meaning: string };
}

export type ParsedCommandLine<F extends Flags> =
  | { readonly kind: 'help' }
  | { readonly kind: 'wrong'; readonly problems: readonly string[] }
  | { readonly kind: 'run'; readonly flags: FlagValues<F>; readonly operands: readonly string[] };

const HELP = ['--help', '-h'];

/** A number as a person writes one: `12`, `0.5`, `-1`, `1e3`; not `''`, `0x10`, `Infinity` or `five`. */
function numberIn(text: string): number | undefined {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text.trim()) ? Number(text) : undefined;
}

/** The number in `text` if it is one (a count, with `least`: a whole number of at least that). */
function numberOfKind(text: string, least?: number): number | undefined {
  const n = numberIn(text);
  return n === undefined || (least !== undefined && !(Number.isInteger(n) && n >= least)) ? undefined : n;
}

const wanted = (least?: number) => (least === undefined ? 'a number' : `a whole number of at least ${least}`);

function oneNumber(fallback: number, meaning: string, least?: number): Flag<number> {
  return {
    value: 'N',
    fallback,
    shownDefault: String(fallback),
    example: String(fallback),
    meaning,
    read: (text) => {
      const n = numberOfKind(text, least);
      return n === undefined
        ? { wrong: `is not ${wanted(least)}: give one, e.g. ${fallback}` }
        : { value: n };
    },
  };
}

/** Any number: `30`, `0.5`. */
export function numberFlag(fallback: number, meaning: string): Flag<number> {
  return oneNumber(fallback, meaning);
}

/** A count: a whole number of at least `least` (1 unless said). */
export function countFlag(fallback: number, meaning: string, least = 1): Flag<number> {
  return oneNumber(fallback, meaning, least);
}

/** `--name 1,8`: counts, each a whole number of at least `least` (1 unless said). */
export function countListFlag(fallback: readonly number[], meaning: string, least = 1): Flag<number[]> {
  return {
    value: 'N,N…',
    fallback: [...fallback],
    shownDefault: fallback.join(','),
    example: fallback.join(','),
    meaning,
    read: (text) => {
      const items = text.split(',');
      const bad = items.find((item) => numberOfKind(item, least) === undefined);
      return bad === undefined
        ? { value: items.map(Number) }
        : {
            wrong:
              `holds ${JSON.stringify(bad)}, not ${wanted(least)}: ` +
              `give such numbers separated by commas, e.g. ${fallback.join(',')}`,
          };
    },
  };
}

/**
 * Text; `value` names it in the help (`FLAGS`, `N|N%`). With a `pattern`, text that does not
 * match it is refused. An empty default is shown as none.
 */
export function textFlag(fallback: string, meaning: string, value = 'TEXT', pattern?: RegExp): Flag<string> {
  const example = fallback === '' ? undefined : fallback;
  return {
    value,
    fallback,
    shownDefault: example ?? 'none',
    example,
    meaning,
    read: (text) =>
      pattern === undefined || pattern.test(text)
        ? { value: text }
        : { wrong: `is not ${value}: give one${example === undefined ? '' : ` like ${example}`}` },
  };
}

/** One of a few words, e.g. `--server dev|cluster`. */
export function choiceFlag<const C extends readonly string[]>(
  choices: C,
  fallback: C[number],
  meaning: string,
): Flag<C[number]> {
  return {
    value: choices.join('|'),
    fallback,
    shownDefault: fallback,
    example: fallback,
    meaning,
    read: (text) =>
      choices.includes(text)
        ? { value: text }
        : { wrong: `is not one of ${choices.join(', ')}: give one of them` },
  };
}

/** A flag without a value: false unless given. */
export function switchFlag(meaning: string): Flag<boolean> {
  return { fallback: false, meaning, read: () => ({ value: true }) };
}

/** The flag names given (`--hosts`), with --help last. */
export function knownFlags(command: BenchCommand<Flags>): string[] {
  return [...Object.keys(command.flags).map((name) => `--${name}`), '--help'];
}

/** How many single-character edits turn a into b. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** `spelt` as given (`--dpu`, `-hosts`), the value taken as its own if any, and the nearest known flag. */
function unknownFlag(command: BenchCommand<Flags>, spelt: string, given: string | undefined): string {
  const name = spelt.replace(/^-+/, '');
  const near = Object.keys(command.flags)
    .map((known) => ({ known, d: editDistance(name, known) }))
    .filter(({ d }) => d <= 2)
    .sort((x, y) => x.d - y.d)[0];
  return (
    `unknown flag ${spelt}${given === undefined ? '' : ` (given ${JSON.stringify(given)})`}` +
    (near ? `: did you mean --${near.known}?` : '')
  );
}

/**
 * Reads a bench's arguments (process.argv after the script) against its
 * declaration: --help / -h anywhere a flag may stand; otherwise every problem
 * found (an unknown flag, a flag given twice or without its value, a value
 * that is not what the flag takes, a stray argument), or the values with the
 * defaults filled in.
 */
export function parseCommandLine<F extends Flags>(
  command: BenchCommand<F>,
  args: readonly string[],
): ParsedCommandLine<F> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const operands: string[] = [];
  const seen = new Set<string>();
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (HELP.includes(arg)) {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-' || numberIn(arg) !== undefined) {
      if (command.operands) operands.push(arg);
      else problems.push(`unexpected argument ${JSON.stringify(arg)}: ${command.name} takes only flags`);
      continue;
    }
    const eq = arg.indexOf('=');
    const spelt = eq < 0 ? arg : arg.slice(0, eq);
    const name = spelt.slice(2);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const flag =
      spelt.startsWith('--') && Object.hasOwn(command.flags, name) ? command.flags[name] : undefined;
    if (!flag) {
      // A value after it is taken as its own, so it is not reported again as a stray argument.
      const next = args[i + 1];
      const looksLikeValue = next !== undefined && (!next.startsWith('-') || numberIn(next) !== undefined);
      problems.push(unknownFlag(command, spelt, inline ?? (looksLikeValue ? args[++i] : undefined)));
      continue;
    }
    let text: string | undefined = inline;
    if (flag.value === undefined) {
      if (inline !== undefined) problems.push(`--${name} takes no value (given ${JSON.stringify(inline)})`);
    } else if (text === undefined) {
      // The next argument is the value unless it is itself a flag of this bench (or --help):
      // a text flag's value may start with -- (--control-flags '--max-cached-workflows 200').
      const next = args[i + 1];
      const nextName = next?.split('=')[0];
      if (
        next === undefined ||
        HELP.includes(next) ||
        (nextName !== undefined && knownFlags(command).includes(nextName))
      ) {
        problems.push(
          `--${name} has no value: give ${flag.value}` +
            (flag.example === undefined ? '' : `, e.g. --${name} ${flag.example}`),
        );
        continue;
      }
      text = next;
      i++;
    }
    if (seen.has(name)) {
      problems.push(`--${name} is given twice: give it once`);
      continue;
    }
    seen.add(name);
    const read = flag.read(text ?? '');
    if ('wrong' in read) problems.push(`--${name} ${JSON.stringify(text)} ${read.wrong}`);
    else values[name] = read.value;
  }
  if (help) return { kind: 'help' };
  if (command.operands && operands.length === 0)
    problems.push(`no ${command.operands.value} given: name ${command.operands.meaning}`);
  if (problems.length > 0) return { kind: 'wrong', problems };
  for (const [name, flag] of Object.entries(command.flags)) if (!seen.has(name)) values[name] = flag.fallback;
  return { kind: 'run', flags: values as FlagValues<F>, operands };
}
