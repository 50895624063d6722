/**
 * Running a CNI plugin as a container runtime does: fork/exec of the
 * executable with the network configuration on stdin and the CNI_* variables
 * in its environment (CNI spec, "Parameters"), timed from spawn to exit.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');

export interface PluginRun {
  ms: number;
  code: number;
  out: string;
}

/**
 * One exec of a plugin: its wall time (spawn to exit) and what it answered on stdout.
 * Its stdin is a blocking file descriptor that reaches end-of-file after the
 * configuration, as a Go runtime's is: libcni's RawExec.ExecPlugin sets
 * `c.Stdin = bytes.NewBuffer(stdinData)` (containernetworking/cni,
 * pkg/invoke/raw_exec.go @ de46235633f77cd4c8dd9817a9767a24b791dc3a) and os/exec
 * hands the child the read end of an os.Pipe. Node's `stdio: 'pipe'` hands it
 * one end of a socket pair instead, and there xpuflow-cni's synchronous read of
 * stdin failed with EAGAIN when it ran before the parent had written (seen at 8
 * in flight). An unlinked temporary file, opened for this call alone, is
 * blocking and ends where the configuration does.
 */
export function execPlugin(argv: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<PluginRun> {
  const fd = stdinFd(stdin);
  return new Promise<PluginRun>((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: [fd, 'pipe', 'inherit'] });
    fs.closeSync(fd); // the child has its own copy
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code: code ?? -1, out }));
  });
}

/** A read-only descriptor of `content` in a file already unlinked (the folder goes when this process exits). */
function stdinFd(content: string): number {
  if (!stdinDir) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-cni-stdin-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    stdinDir = dir;
  }
  const file = path.join(stdinDir, String(stdinFiles++));
  fs.writeFileSync(file, content);
  const fd = fs.openSync(file, 'r');
  fs.rmSync(file);
  return fd;
}

let stdinDir: string | undefined;
let stdinFiles = 0;

/** The CNI_* environment of one call, as containerd and Multus set it. */
export function cniEnv(call: {
  command: string;
  containerId: string;
  netns: string;
  ifname: string;
  pod: { namespace: string; name: string };
  cniPath: string;
}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifname,
    // IgnoreUnknown=1, as containerd and Multus send: the reference IPAM plugins refuse CNI_ARGS they do not know otherwise
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${call.pod.namespace};K8S_POD_NAME=${call.pod.name}`,
    CNI_PATH: call.cniPath,
  };
}

/** Runs one of the repository's scripts (build-cni.sh, go-tools.sh) and returns the path it prints. */
export function scriptPath(script: string): string {
  return execFileSync(path.join(REPO, 'scripts', script), { encoding: 'utf8' }).trim();
}
