#!/usr/bin/env node
/**
 * xpuflow-cni: a CNI 1.x plugin. VERSION is answered here; ADD, DEL and CHECK
 * go to the xpuflow host agent on this node (unix socket: the config's
 * hostAgentSocket, else $XPUFLOW_HOSTAGENT_SOCKET, else /run/xpuflow/hostagent.sock).
 * The result or error JSON goes to stdout; an error exits 1.
 */
import * as fs from 'node:fs';
import { callHostAgent, DEFAULT_HOSTAGENT_SOCKET } from './client';
import { CniCode, CniError, DEFAULT_CNI_VERSION, SUPPORTED_VERSIONS } from './errors';

const HELP = `xpuflow-cni: CNI 1.x plugin moving xpuflow-leased VFs into pods.
Run by a container runtime with CNI_COMMAND (ADD|DEL|CHECK|VERSION), CNI_CONTAINERID,
CNI_NETNS, CNI_IFNAME, CNI_ARGS (K8S_POD_NAMESPACE, K8S_POD_NAME) and the network
configuration on stdin; see the README's "VF attach" section for the configuration.`;

function readStdin(): string {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

export async function runCni(env: NodeJS.ProcessEnv, stdin: string): Promise<{ out: string; code: number }> {
  let version = DEFAULT_CNI_VERSION;
  let socket = env.XPUFLOW_HOSTAGENT_SOCKET || DEFAULT_HOSTAGENT_SOCKET;
  try {
    const conf = JSON.parse(stdin || '{}') as { cniVersion?: string; hostAgentSocket?: string };
    if (typeof conf.cniVersion === 'string') version = conf.cniVersion;
    if (typeof conf.hostAgentSocket === 'string') socket = conf.hostAgentSocket;
  } catch {
    // the host agent reports the decode failure with its code; VERSION needs no config
  }
  const command = env.CNI_COMMAND ?? '';
  try {
    if (command === 'VERSION') {
      return { out: JSON.stringify({ cniVersion: version, supportedVersions: SUPPORTED_VERSIONS }), code: 0 };
    }
    if (!['ADD', 'DEL', 'CHECK'].includes(command)) {
      throw new CniError(
        CniCode.InvalidEnv,
        `CNI_COMMAND ${JSON.stringify(command)} is not ADD, DEL, CHECK or VERSION`,
      );
    }
    const reply = await callHostAgent(socket, {
      command,
      containerId: env.CNI_CONTAINERID ?? '',
      netns: env.CNI_NETNS ?? '',
      ifname: env.CNI_IFNAME ?? '',
      args: env.CNI_ARGS ?? '',
      configJson: stdin,
    });
    if (reply.errorCode) throw new CniError(reply.errorCode, reply.errorMsg, reply.errorDetails);
    return { out: reply.resultJson, code: 0 };
  } catch (err) {
    const e = err instanceof CniError ? err : new CniError(CniCode.IoFailure, (err as Error).message);
    return { out: e.toJson(version), code: 1 };
  }
}

if (require.main === module) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    process.exit(0);
  }
  runCni(process.env, process.stdin.isTTY ? '' : readStdin()).then(({ out, code }) => {
    if (out) process.stdout.write(out + '\n');
    process.exitCode = code;
  });
}
