/**
 * mlxconfig's own parameter database (Debian's mstflint, the version
 * model/mlxconfig-params.ts was generated from), fetched once into a cache
 * outside the repository by scripts/mlxconfig-params.sh (`apt-get download`,
 * `dpkg-deb -x`; about 2 MB, nothing installed). Throws with the script's own
 * message when it cannot provide it.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { MLXCONFIG_SOURCE } from '../../model/mlxconfig-params';
import { REPO_ROOT } from './tools';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'mlxconfig-params.sh');

function run(args: string[]): string {
  try {
    return execFileSync(SCRIPT, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
      env: { ...process.env, MSTFLINT_VERSION: MLXCONFIG_SOURCE.version },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `scripts/mlxconfig-params.sh ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`,
      { cause: err },
    );
  }
}

let db: string | undefined;

/** The path of mlxconfig_host.db from mstflint MLXCONFIG_SOURCE.version (fetched once). */
export function mlxconfigDb(): string {
  db ??= run([]).trim();
  return db;
}

/** The database's `NAME<TAB>array_length` lines in C order, as the script reads them. */
export function mlxconfigDbNames(): string {
  return run(['--names']);
}
