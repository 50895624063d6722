/**
 * What the Temporal cluster harness (test/support/temporal-cluster.ts) runs:
 * the Temporal server and its SQL tool (built once by scripts/temporal-server.sh
 * into a cache outside the repository) and Debian's PostgreSQL
 * (scripts/ensure-postgres.sh). Nothing is built or installed here: each
 * throws with the script's own message saying what to run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './tools';

function scriptOutput(script: string, args: string[]): string {
  try {
    return execFileSync(path.join(REPO_ROOT, 'scripts', script), args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/${script} ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`, {
      cause: err,
    });
  }
}

export interface TemporalServerBuild {
  /** temporal-server and temporal-sql-tool. */
  bin: string;
  /** The go.temporal.io/server module's source (schema/postgresql/v12/, config/). */
  module: string;
}

/** The built server and its module's source directory. */
export function temporalServerBuild(): TemporalServerBuild {
  const bin = scriptOutput('temporal-server.sh', ['--no-build']);
  return { bin, module: fs.readFileSync(path.join(bin, '..', 'module'), 'utf8').trim() };
}

/** Debian's PostgreSQL bin directory (initdb, postgres, pg_isready). */
export function postgresBinDir(): string {
  return scriptOutput('ensure-postgres.sh', ['--no-install']);
}

/** uid and gid to run PostgreSQL as: the `postgres` user when this is root (it refuses root). */
export function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch (err) {
    throw new Error(
      "running as root and there is no `postgres` user to run PostgreSQL as (Debian's postgresql package creates it: scripts/ensure-postgres.sh)",
      { cause: err },
    );
  }
}
