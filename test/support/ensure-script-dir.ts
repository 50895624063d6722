import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './tools';

/**
 * Runs scripts/<script> (which installs or builds tools idempotently and prints their directory)
 * and returns that directory once each of `tools` is in it; throws with the script's own message
 * when it fails, or naming the tool that is missing.
 */
export function ensureScriptDir(script: string, tools: readonly string[]): string {
  let dir: string;
  try {
    dir = execFileSync(path.join(REPO_ROOT, 'scripts', script), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    }).trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/${script} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: err });
  }
  for (const tool of tools)
    if (!fs.existsSync(path.join(dir, tool)))
      throw new Error(`${tool} is missing from ${dir}: run scripts/${script}`);
  return dir;
}
