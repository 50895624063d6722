/**
 * prometheus and promtool for the alert rule tests: Debian's `prometheus`
 * package, extracted once into a cache outside the repository by
 * scripts/ensure-prometheus.sh (nothing installed system-wide, no service
 * started). Throws with the script's own message when it cannot provide them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './tools';

let bin: string | undefined;

/** The directory with `prometheus` and `promtool`. */
export function prometheusBinDir(): string {
  if (bin) return bin;
  let dir: string;
  try {
    dir = execFileSync(path.join(REPO_ROOT, 'scripts', 'ensure-prometheus.sh'), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    }).trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/ensure-prometheus.sh failed: ${(e.stderr ?? '').trim() || e.message}`, {
      cause: err,
    });
  }
  for (const tool of ['prometheus', 'promtool'])
    if (!fs.existsSync(path.join(dir, tool)))
      throw new Error(`${tool} is missing from ${dir}: run scripts/ensure-prometheus.sh`);
  bin = dir;
  return dir;
}

export function promtool(): string {
  return path.join(prometheusBinDir(), 'promtool');
}

export function prometheus(): string {
  return path.join(prometheusBinDir(), 'prometheus');
}
