/**
 * prometheus and promtool for the alert rule tests: Debian's `prometheus`
 * package, extracted once into a cache outside the repository by
 * scripts/ensure-prometheus.sh (nothing installed system-wide, no service
 * started). Throws with the script's own message when it cannot provide them.
 */
import path from 'node:path';
import { ensureScriptDir } from './ensure-script-dir';

let bin: string | undefined;

/** The directory with `prometheus` and `promtool`. */
export function prometheusBinDir(): string {
  if (bin) return bin;
  bin = ensureScriptDir('ensure-prometheus.sh', ['prometheus', 'promtool']);
  return bin;
}

export function promtool(): string {
  return path.join(prometheusBinDir(), 'promtool');
}

export function prometheus(): string {
  return path.join(prometheusBinDir(), 'prometheus');
}
