/**
 * A benchmark's command line: its `--name value` flags with their defaults,
 * and how it ends (a failure prints the error and exits 1; slowness never fails).
 */

function flagValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

export function stringFlag(name: string, fallback: string): string {
  return flagValue(name) ?? fallback;
}

export function numberFlag(name: string, fallback: number): number {
  const v = flagValue(name);
  return v !== undefined ? Number(v) : fallback;
}

/** `--name 1,2,4` */
export function numberListFlag(name: string, fallback: number[]): number[] {
  const v = flagValue(name);
  return v !== undefined ? v.split(',').map(Number) : fallback;
}

export function runBench(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
