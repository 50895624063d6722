/**
 * iproute2 with argument arrays: in the host netns, or inside a pod's netns
 * (nsenter --net=<path>). `ip -j` output is parsed, never scraped. Each `ip`
 * is started by the small command runner process (platform/process), not by
 * the worker, whose event loop a fork would stop for as long as its memory
 * takes to copy.
 */
import * as fs from 'node:fs';
import { CommandFailed, runCommand } from '../../platform/process/command-runner';

export interface LinkInfo {
  ifname: string;
  address: string;
  mtu: number;
  up: boolean;
  addresses: string[];
}

interface IpJsonLink {
  ifname: string;
  address?: string;
  mtu: number;
  flags?: string[];
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

/** What ip said when it failed (its stderr), else how it ended; a runner that died says so. */
function whyFailed(err: unknown): string {
  if (err instanceof CommandFailed) return (err.stderr || err.message).trim();
  if (err instanceof Error) return err.message;
  throw err;
}

/** Runs `ip ARGS` in the host netns, or in `netns` (a path) when given. */
export async function ip(args: string[], netns?: string): Promise<string> {
  const [cmd, argv] = netns ? ['nsenter', [`--net=${netns}`, 'ip', ...args]] : ['ip', args];
  try {
    return (await runCommand(cmd, argv)).stdout;
  } catch (err) {
    throw new Error(`ip ${args.join(' ')}${netns ? ` (in netns ${netns})` : ''} failed: ${whyFailed(err)}`, {
      cause: err,
    });
  }
}

/** Runs several `ip` commands in one process (`ip -batch -`), in the host netns or in `netns`. */
export async function ipBatch(commands: string[][], netns?: string): Promise<void> {
  if (commands.length === 0) return;
  const [cmd, argv] = netns ? ['nsenter', [`--net=${netns}`, 'ip', '-batch', '-']] : ['ip', ['-batch', '-']];
  for (const c of commands) {
    if (c.some((a) => /\s/.test(a) || a === ''))
      throw new Error(`ip batch argument with whitespace: ${JSON.stringify(c)}`);
  }
  try {
    await runCommand(cmd, argv, commands.map((c) => c.join(' ')).join('\n') + '\n');
  } catch (err) {
    throw new Error(
      `ip -batch [${commands.map((c) => c.join(' ')).join('; ')}]${netns ? ` (in netns ${netns})` : ''} failed: ${whyFailed(err)}`,
      {
        cause: err,
      },
    );
  }
}

function toLink(l: IpJsonLink): LinkInfo {
  return {
    ifname: l.ifname,
    address: l.address ?? '',
    mtu: l.mtu,
    up: (l.flags ?? []).includes('UP'),
    addresses: (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' || a.family === 'inet6')
      .map((a) => `${a.local}/${a.prefixlen}`),
  };
}

/** Every link of a netns with its addresses. */
export async function listLinks(netns?: string): Promise<LinkInfo[]> {
  const out = await ip(['-j', 'addr', 'show'], netns);
  return (JSON.parse(out || '[]') as IpJsonLink[]).map(toLink);
}

export async function findLink(ifname: string, netns?: string): Promise<LinkInfo | undefined> {
  return (await listLinks(netns)).find((l) => l.ifname === ifname);
}

export function netnsExists(netns: string): boolean {
  return fs.existsSync(netns);
}

/** The host netns as a path another netns can name: this process's. */
export function hostNetnsPath(): string {
  return `/proc/${process.pid}/ns/net`;
}
