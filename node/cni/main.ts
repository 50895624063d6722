#!/usr/bin/env node
/**
 * xpuflow-cni: a CNI 1.x plugin. VERSION is answered here. Every other
 * command first checks the configuration and the CNI environment (config.ts:
 * code 7 naming the field, before anything is contacted), then:
 *   ADD    runs the IPAM plugin named by ipam.type (ipam-plugin.ts), then asks
 *          the xpuflow host agent to attach the VF with that IPAM result; when
 *          the agent fails, the IPAM plugin's DEL undoes the allocation.
 *          dhcp needs the VF in the pod first (addWithDhcp).
 *   DEL    the reverse: the host agent detaches, then the IPAM plugin releases.
 *          Both tolerate what is already gone.
 *   CHECK  the IPAM plugin's CHECK, then the host agent's.
 * The host agent is reached on its unix socket: the config's hostAgentSocket,
 * else $XPUFLOW_HOSTAGENT_SOCKET, else /run/xpuflow/hostagent.sock.
 * The result or error JSON goes to stdout; an error exits 1.
 * Built into one executable by scripts/build-cni.sh (dist/xpuflow-cni).
 */
import * as fs from 'node:fs';
import type { CniReply__Output, CniRequest } from '../../proto/load-vf';
import { callHostAgent, DEFAULT_HOSTAGENT_SOCKET } from './client';
import { checkIfname, parseNetConf, podFromArgs, type NetConf } from './config';
import { CniCode, CniError, DEFAULT_CNI_VERSION, SUPPORTED_VERSIONS } from './errors';
import { ipamTypeOf } from './ipam-config';
import { execIpamPlugin, parseIpamResult, type IpamCommand } from './ipam-plugin';

const HELP = `xpuflow-cni: CNI 1.x plugin moving xpuflow-leased VFs into pods.
Run by a container runtime with CNI_COMMAND (ADD|DEL|CHECK|VERSION), CNI_CONTAINERID,
CNI_NETNS, CNI_IFNAME, CNI_ARGS (K8S_POD_NAMESPACE, K8S_POD_NAME), CNI_PATH (where the
IPAM plugin named by ipam.type is) and the network configuration on stdin; see the
README's "VF attach" section for the configuration.`;

/** What the plugin contacts; tests replace them to prove a bad configuration contacts nothing. */
export interface CniPeers {
  ipam(
    command: IpamCommand,
    type: NetConf['ipam']['type'],
    stdin: string,
    env: NodeJS.ProcessEnv,
  ): Promise<string>;
  agent(socketPath: string, req: CniRequest): Promise<CniReply__Output>;
}

const REAL_PEERS: CniPeers = { ipam: execIpamPlugin, agent: (socket, req) => callHostAgent(socket, req) };

/** The network configuration from stdin; an empty string when stdin is closed or absent (VERSION needs none). */
async function readStdin(): Promise<string | CniError> {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EOF' || code === 'EBADF') return '';
    // A non-blocking stdin (a socket pair, as Node's child_process gives) has no
    // data yet for a synchronous read: read it as a stream to its end instead.
    if (code === 'EAGAIN') return readStdinStream();
    return stdinError(err as Error);
  }
}

function readStdinStream(): Promise<string | CniError> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    process.stdin
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      .on('error', (err) => resolve(stdinError(err)));
  });
}

function stdinError(err: Error): CniError {
  return new CniError(
    CniCode.IoFailure,
    `could not read the network configuration from stdin: ${err.message}`,
    'the container runtime passes the network configuration on stdin (CNI spec, "Parameters"); run xpuflow-cni through the runtime or cnitool',
  );
}

export async function runCni(
  env: NodeJS.ProcessEnv,
  stdin: string,
  peers: CniPeers = REAL_PEERS,
): Promise<{ out: string; code: number }> {
  let version = DEFAULT_CNI_VERSION;
  try {
    const conf = JSON.parse(stdin || '{}') as { cniVersion?: unknown };
    if (typeof conf.cniVersion === 'string') version = conf.cniVersion;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    // parseNetConf reports the decode failure (code 6); VERSION needs no config
  }
  const command = env.CNI_COMMAND ?? '';
  try {
    if (command === 'VERSION') {
      return { out: JSON.stringify({ cniVersion: version, supportedVersions: SUPPORTED_VERSIONS }), code: 0 };
    }
    if (command === 'ADD') return { out: await add(env, stdin, peers), code: 0 };
    if (command === 'DEL') return { out: (await del(env, stdin, peers), ''), code: 0 };
    if (command === 'CHECK') return { out: (await check(env, stdin, peers), ''), code: 0 };
    throw new CniError(
      CniCode.InvalidEnv,
      `CNI_COMMAND ${JSON.stringify(command)} is not ADD, DEL, CHECK or VERSION`,
    );
  } catch (err) {
    const e = err instanceof CniError ? err : new CniError(CniCode.IoFailure, (err as Error).message);
    return { out: e.toJson(version), code: 1 };
  }
}

/** The configuration and environment ADD and CHECK need, checked before anything is contacted. */
function checkRequest(env: NodeJS.ProcessEnv, stdin: string): NetConf {
  const conf = parseNetConf(stdin);
  // SPEC.md "Parameters" (containernetworking/cni a28faab92684aed3af64d5085733c34550ce9877): CNI_CONTAINERID
  // starts with an alphanumeric, then alphanumerics, underscore, dot or hyphen.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(env.CNI_CONTAINERID ?? ''))
    throw new CniError(
      CniCode.InvalidEnv,
      `CNI_CONTAINERID ${JSON.stringify(env.CNI_CONTAINERID ?? '')} is not a container ID (an alphanumeric, then alphanumerics, _ . -)`,
    );
  if (!env.CNI_NETNS) throw new CniError(CniCode.InvalidEnv, "CNI_NETNS is empty: name the pod's netns");
  checkIfname(env.CNI_IFNAME ?? '');
  podFromArgs(env.CNI_ARGS ?? '');
  return conf;
}

function socketOf(conf: Partial<NetConf>, env: NodeJS.ProcessEnv): string {
  return conf.hostAgentSocket || env.XPUFLOW_HOSTAGENT_SOCKET || DEFAULT_HOSTAGENT_SOCKET;
}

async function askAgent(
  peers: CniPeers,
  conf: Partial<NetConf>,
  env: NodeJS.ProcessEnv,
  stdin: string,
  ipamResultJson = '',
): Promise<CniReply__Output> {
  const reply = await peers.agent(socketOf(conf, env), {
    command: env.CNI_COMMAND ?? '',
    containerId: env.CNI_CONTAINERID ?? '',
    netns: env.CNI_NETNS ?? '',
    ifname: env.CNI_IFNAME ?? '',
    args: env.CNI_ARGS ?? '',
    configJson: stdin,
    ipamResultJson,
  });
  if (reply.errorCode) throw new CniError(reply.errorCode, reply.errorMsg, reply.errorDetails);
  return reply;
}

/** ADD: IPAM, then the host agent with the IPAM result; the IPAM allocation is undone when the agent fails. */
async function add(env: NodeJS.ProcessEnv, stdin: string, peers: CniPeers): Promise<string> {
  const conf = checkRequest(env, stdin);
  const type = conf.ipam.type;
  if (type === 'dhcp') return addWithDhcp(conf, env, stdin, peers);
  const ipam = parseIpamResult(type, await peers.ipam('ADD', type, stdin, env));
  try {
    return (await askAgent(peers, conf, env, stdin, JSON.stringify(ipam))).resultJson;
  } catch (err) {
    // Spec ("Delegated plugin execution procedure"): a failed ADD runs the delegated plugin's DEL before failing.
    try {
      await peers.ipam('DEL', type, stdin, env);
    } catch (undoErr) {
      throw withUndoFailure(err, `releasing its ${type} address`, undoErr);
    }
    throw err;
  }
}

/** `err` as a CniError whose details also say that an undo failed. */
function withUndoFailure(err: unknown, undo: string, undoErr: unknown): CniError {
  const e = err instanceof CniError ? err : new CniError(CniCode.IoFailure, (err as Error).message);
  const also = `and ${undo} failed too: ${(undoErr as Error).message}`;
  return new CniError(e.code, e.message, [e.details, also].filter(Boolean).join('; '));
}

/**
 * ADD with dhcp: the dhcp plugin's daemon runs its DHCP client on CNI_IFNAME
 * inside CNI_NETNS (containernetworking/plugins plugins/ipam/dhcp/daemon.go
 * DHCP.Allocate -> lease.go AcquireLease, LinkByName in the netns; commit
 * 3d27709faaa4e3619f299b962d9ea24589e28f9c), so the VF
 * must be in the pod, up, before IPAM runs: the host agent attaches it with no
 * address, the dhcp plugin gets a lease, and a second ADD to the agent (a
 * repeated ADD of the same container only re-applies addresses) configures it.
 * Each failure undoes what came before it, newest first.
 */
async function addWithDhcp(
  conf: NetConf,
  env: NodeJS.ProcessEnv,
  stdin: string,
  peers: CniPeers,
): Promise<string> {
  const detach = async (err: unknown): Promise<never> => {
    try {
      await askAgent(peers, conf, { ...env, CNI_COMMAND: 'DEL' }, stdin);
    } catch (undoErr) {
      throw withUndoFailure(err, 'detaching the VF again', undoErr);
    }
    throw err;
  };
  await askAgent(peers, conf, env, stdin, JSON.stringify({ ips: [] }));
  let ipam;
  try {
    ipam = parseIpamResult('dhcp', await peers.ipam('ADD', 'dhcp', stdin, env));
  } catch (err) {
    return detach(err);
  }
  try {
    return (await askAgent(peers, conf, env, stdin, JSON.stringify(ipam))).resultJson;
  } catch (err) {
    try {
      await peers.ipam('DEL', 'dhcp', stdin, env);
    } catch (undoErr) {
      return detach(withUndoFailure(err, 'releasing the dhcp lease', undoErr));
    }
    return detach(err);
  }
}

/**
 * DEL, the undo of ADD in reverse: the host agent detaches, then the IPAM
 * plugin releases. Lenient about the configuration (only JSON and version
 * are checked): an ipam.type ADD would refuse cannot hold an allocation, so
 * it is not run. A failed detach keeps the address (another pod must not
 * get it while this one may still hold it); the runtime repeats the DEL.
 */
async function del(env: NodeJS.ProcessEnv, stdin: string, peers: CniPeers): Promise<void> {
  const conf = parseNetConf(stdin, { forDel: true });
  await askAgent(peers, conf, env, stdin);
  const type = ipamTypeOf(conf.ipam);
  if (type) await peers.ipam('DEL', type, stdin, env);
}

/** CHECK: the IPAM plugin's (the spec: CHECK is passed on to delegated plugins), then the host agent's. */
async function check(env: NodeJS.ProcessEnv, stdin: string, peers: CniPeers): Promise<void> {
  const conf = checkRequest(env, stdin);
  await peers.ipam('CHECK', conf.ipam.type, stdin, env);
  await askAgent(peers, conf, env, stdin);
}

/** The executable's entry: arguments, stdin, the answer on stdout and the exit code. */
export function cniMain(): void {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  void (process.stdin.isTTY ? Promise.resolve('') : readStdin())
    .then((stdin) =>
      stdin instanceof CniError
        ? { out: stdin.toJson(DEFAULT_CNI_VERSION), code: 1 }
        : runCni(process.env, stdin),
    )
    .then(({ out, code }) => {
      if (out) process.stdout.write(out + '\n');
      process.exitCode = code;
    });
}

if (require.main === module) cniMain();
