/**
 * What a real node (test/support/real-node.ts) runs: the kubelet, built once
 * by scripts/kube-assets.sh into the kube-assets cache beside kube-apiserver;
 * Debian's containerd, ctr and runc; and the busybox pause and test image
 * archives scripts/ensure-kubelet-node.sh makes. Nothing is built or installed
 * here: each throws with the script's own message saying what to run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './tools';

export interface RealNodeTools {
  kubelet: string;
  containerd: string;
  ctr: string;
  /** pause.tar (xpuflow.local/pause:busybox) and busybox.tar (xpuflow.local/busybox:test). */
  images: string;
}

/** The pause image containerd's CRI runs each pod sandbox with. */
export const PAUSE_IMAGE = 'xpuflow.local/pause:busybox';
/** The test image: busybox-static and its applets, default command /bin/sh. */
export const TEST_IMAGE = 'xpuflow.local/busybox:test';

function scriptOutput(script: string, args: string[]): string {
  try {
    return execFileSync(path.join(REPO_ROOT, 'scripts', script), args, {
      encoding: 'utf8',
      // jest gives each test file its own process.env; a child gets the real process's unless told.
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/${script} ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`, {
      cause: err,
    });
  }
}

let found: RealNodeTools | undefined;
export function realNodeTools(): RealNodeTools {
  if (found) return found;
  const kubelet = path.join(scriptOutput('kube-assets.sh', ['--no-build']), 'kubelet');
  const images = scriptOutput('ensure-kubelet-node.sh', ['--no-install']);
  const tools = { kubelet, containerd: '/usr/bin/containerd', ctr: '/usr/bin/ctr', images };
  for (const [name, file] of Object.entries(tools)) {
    if (!fs.existsSync(file))
      throw new Error(`${name} is missing at ${file}: run scripts/ensure-tools.sh as root`);
  }
  found = tools;
  return tools;
}
