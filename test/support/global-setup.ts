/**
 * jest's global setup: before any test file runs, says once which
 * prerequisites are missing here and that the suites needing them are
 * skipped (test/support/prerequisites.ts). Under CI=true it says nothing:
 * the suites that need a missing one fail, naming it.
 */
import { inCi, PREREQUISITES, type Prerequisite } from './prerequisites';

export default function globalSetup(): void {
  if (inCi()) return;
  const missing = (Object.keys(PREREQUISITES) as Prerequisite[])
    .map((name) => [name, PREREQUISITES[name]()] as const)
    .filter(([, why]) => why !== undefined);
  if (missing.length === 0) return;
  process.stderr.write(
    `\nSKIPPING the suites that need: ${missing.map(([name, why]) => `${name} (${why})`).join('; ')}.\n` +
      'Under CI=true these fail instead; scripts/ensure-tools.sh installs them as root.\n\n',
  );
}
