/**
 * Runs the IPAM plugin a network configuration names, by the CNI exec
 * protocol for delegated plugins: the binary named by ipam.type is looked up
 * in the directories of CNI_PATH and run with the same environment
 * (CNI_COMMAND set to the command), the complete network configuration on
 * stdin, its stderr passed through; success is exit 0 with a result on
 * stdout, failure a CNI error object on stdout.
 *   Spec: containernetworking/cni SPEC.md, "Delegated Plugin protocol" and
 *   "Delegated plugin execution procedure" (commit a28faab92684aed3af64d5085733c34550ce9877, tag v1.3.0).
 *   Reference implementation: pkg/invoke/delegate.go (delegateCommon: FindInPath over
 *   filepath.SplitList(CNI_PATH); DelegateAdd/DelegateCheck/DelegateDel override CNI_COMMAND only)
 *   and pkg/invoke/raw_exec.go (RawExec.ExecPlugin, pluginErr) at the same commit.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CniCode, CniError } from './errors';
import type { IpamType } from './ipam-config';

/** What an IPAM plugin's ADD returns: the abbreviated Success result (no interfaces). */
export interface IpamResult {
  cniVersion?: string;
  ips: Array<{ address: string; gateway?: string }>;
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: Record<string, unknown>;
}

export type IpamCommand = 'ADD' | 'DEL' | 'CHECK';

/** The first executable file named `type` in CNI_PATH's directories (pkg/invoke/find.go FindInPath). */
export function findPlugin(type: string, cniPath: string | undefined): string {
  const dirs = (cniPath ?? '').split(path.delimiter).filter(Boolean);
  if (dirs.length === 0)
    throw new CniError(
      CniCode.InvalidEnv,
      `CNI_PATH is empty: the runtime must name the directories holding the IPAM plugin ${type}`,
    );
  for (const dir of dirs) {
    const file = path.join(dir, type);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch (err) {
      if (!['ENOENT', 'EACCES', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
  throw new CniError(
    CniCode.InvalidEnv,
    `IPAM plugin ${type} is not in CNI_PATH ${JSON.stringify(cniPath)}: install the CNI reference plugins (github.com/containernetworking/plugins) into one of those directories`,
  );
}

/** The plugin's error result (or what it printed) as a CniError, prefixed with who said it. */
function pluginFailure(
  type: string,
  command: IpamCommand,
  exit: string,
  stdout: string,
  stderr: string,
): CniError {
  try {
    const e = JSON.parse(stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof e.code === 'number')
      return new CniError(
        e.code,
        `IPAM plugin ${type} ${command}: ${String(e.msg ?? '')}`,
        typeof e.details === 'string' ? e.details : '',
      );
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    // not a CNI error object: reported below with what the plugin printed
  }
  return new CniError(
    CniCode.IoFailure,
    `IPAM plugin ${type} ${command} ${exit} without a CNI error: ${(stdout + stderr).trim() || 'no output'}`,
  );
}

/** Runs `type` with CNI_COMMAND=command and the configuration on stdin; resolves to its stdout. */
export async function execIpamPlugin(
  command: IpamCommand,
  type: IpamType,
  stdin: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const file = findPlugin(type, env.CNI_PATH);
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env: { ...env, CNI_COMMAND: command }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      process.stderr.write(c); // the spec: the delegated plugin's stderr goes to the caller's stderr
    });
    child.on('error', (err) =>
      reject(new CniError(CniCode.IoFailure, `IPAM plugin ${file} could not run: ${err.message}`)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else
        reject(
          pluginFailure(type, command, signal ? `was killed by ${signal}` : `exited ${code}`, stdout, stderr),
        );
    });
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      // EPIPE: the plugin exited before reading stdin; its exit status says why
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(stdin);
  });
}

/** An IPAM ADD's stdout as a result, refusing one without `ips` (nothing to configure). */
export function parseIpamResult(type: string, stdout: string): IpamResult {
  let r: IpamResult;
  try {
    r = JSON.parse(stdout) as IpamResult;
  } catch (err) {
    throw new CniError(
      CniCode.DecodeFailure,
      `IPAM plugin ${type} ADD printed no JSON result (${(err as Error).message}): ${stdout.slice(0, 200)}`,
    );
  }
  if (!r || !Array.isArray(r.ips) || r.ips.some((ip) => typeof ip?.address !== 'string'))
    throw new CniError(
      CniCode.DecodeFailure,
      `IPAM plugin ${type} ADD result has no "ips" list of { "address": CIDR }: ${stdout.slice(0, 200)}`,
    );
  return r;
}
