/**
 * What the CNI tests exec: the reference CNI plugins and cnitool
 * (scripts/go-tools.sh builds them once from the Go module proxy into a cache
 * outside the repository) and the xpuflow-cni single executable
 * (scripts/build-cni.sh). Each throws with the script's own message when it
 * cannot provide them, so a test that needs them fails rather than skips.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './tools';

function scriptOutput(script: string, timeoutMs: number): string {
  try {
    return execFileSync(path.join(REPO_ROOT, 'scripts', script), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    }).trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/${script} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: err });
  }
}

let bin: string | undefined;

/** The directory with cnitool, host-local, static, dhcp, bridge and loopback. */
export function cniPluginDir(): string {
  bin ??= scriptOutput('go-tools.sh', 900_000); // a first build takes minutes
  for (const tool of ['cnitool', 'host-local', 'static', 'dhcp'])
    if (!fs.existsSync(path.join(bin, tool)))
      throw new Error(`${tool} is missing from ${bin}: run scripts/go-tools.sh`);
  return bin;
}

let exe: string | undefined;

/** dist/xpuflow-cni, built (or found up to date) by scripts/build-cni.sh. */
export function xpuflowCniExecutable(): string {
  exe ??= scriptOutput('build-cni.sh', 300_000);
  return exe;
}
