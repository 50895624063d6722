/**
 * Running a CNI plugin as a container runtime does: fork/exec of the
 * executable with the network configuration on stdin and the CNI_* variables
 * in its environment (CNI spec, "Parameters"), timed from spawn to exit.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');

export interface PluginRun {
  ms: number;
  code: number;
  out: string;
}

/** One exec of a plugin: its wall time (spawn to exit) and what it answered on stdout. */
export function execPlugin(argv: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<PluginRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code: code ?? -1, out }));
    child.stdin.end(stdin);
  });
}

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
