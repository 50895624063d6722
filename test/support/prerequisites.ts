/**
 * What some tests need beyond Node and the tools scripts/ensure-tools.sh
 * builds: root, iproute2, Open vSwitch, Chromium, dnsmasq, Prometheus (promtool), the Temporal
 * cluster's server and PostgreSQL, a real node's kubelet, containerd and images, mstflint's mlxconfig database, DMTF's
 * Redfish tools and sushy-tools (scripts/ensure-redfish-tools.sh), and the CNI
 * reference plugins (built by scripts/go-tools.sh; missing only if that failed). One rule for every suite
 * (CONVENTIONS "Tests"):
 * - under CI=true a missing prerequisite fails the suite, naming what to install;
 * - elsewhere the suite is skipped, and jest's global setup
 *   (test/support/global-setup.ts) prints why, once, at the top of the output.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { ovsUnavailable } from '../../sim/ovs';
import { cniPluginDir } from './cni-tools';
import { mlxconfigDb } from './mstflint-db';
import { prometheusBinDir } from './prometheus-tools';
import { realNodeTools } from './real-node-tools';
import { redfishToolsBinDir } from './redfish-tools';
import { postgresBinDir, postgresUser, temporalServerBuild } from './temporal-cluster-tools';

/** Headless Chromium for the Temporal UI test: $XPUFLOW_CHROMIUM, else Debian's. */
export const CHROMIUM = process.env.XPUFLOW_CHROMIUM ?? '/usr/bin/chromium';

function commandMissing(bin: string, install: string): string | undefined {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${bin} is not installed (${install})`;
  }
}

/** Each prerequisite: why it is missing here (with what to install or do), or undefined. */
export const PREREQUISITES = {
  root: () =>
    process.getuid?.() === 0
      ? undefined
      : 'not root (network namespaces, veth and Open vSwitch need root: run the tests as root)',
  iproute2: () =>
    commandMissing('ip', 'apt-get install iproute2') ??
    commandMissing('nsenter', 'apt-get install util-linux'),
  openvswitch: () => ovsUnavailable(),
  'cni-plugins': () => {
    try {
      cniPluginDir(); // cnitool and the reference IPAM plugins (scripts/go-tools.sh)
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
  dnsmasq: () =>
    commandMissing('dnsmasq', 'apt-get install dnsmasq-base; scripts/ensure-tools.sh does as root'),
  prometheus: () => {
    try {
      prometheusBinDir(); // prometheus and promtool (scripts/ensure-prometheus.sh)
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
  // The Temporal cluster tests: the server built by scripts/temporal-server.sh, Debian's PostgreSQL.
  'temporal-cluster': () => {
    try {
      temporalServerBuild();
      postgresBinDir();
      postgresUser();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
  // A real node (test/support/real-node.ts): the kubelet (scripts/kube-assets.sh), Debian's containerd
  // and runc, the busybox images (scripts/ensure-kubelet-node.sh); as root, for containerd and the kubelet.
  'kubelet-node': () => {
    if (process.getuid?.() !== 0) return 'not root (containerd and the kubelet run as root)';
    try {
      realNodeTools();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
  // mlxconfig's parameter database, Debian's mstflint (scripts/mlxconfig-params.sh).
  mstflint: () => {
    try {
      mlxconfigDb();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
  // DMTF's redfish-protocol-validator and redfish-utilities, OpenStack's sushy-tools (scripts/ensure-redfish-tools.sh).
  'redfish-tools': () => {
    try {
      redfishToolsBinDir();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
  chromium: () =>
    fs.existsSync(CHROMIUM)
      ? undefined
      : `no Chromium at ${CHROMIUM} (scripts/ensure-chromium.sh installs Debian's chromium, or set XPUFLOW_CHROMIUM)`,
} satisfies Record<string, () => string | undefined>;

export type Prerequisite = keyof typeof PREREQUISITES;

/** CI=true (or any CI value but false/0), as CI services set it. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.CI && env.CI !== 'false' && env.CI !== '0';
}

/** Why each of `needs` is missing here (empty when all are present). */
export function missingPrerequisites(needs: readonly Prerequisite[]): string[] {
  return needs.map((n) => PREREQUISITES[n]()).filter((why): why is string => why !== undefined);
}

/**
 * The `describe` and `test` a suite needing `needs` should use: jest's own
 * when all are present; skipping ones outside CI when one is missing; under
 * CI a missing one throws here, so the suite fails with what to install.
 */
export function requirePrerequisites(
  suite: string,
  needs: readonly Prerequisite[],
  env: NodeJS.ProcessEnv = process.env,
): { missing?: string; describe: jest.Describe; test: jest.It } {
  const why = missingPrerequisites(needs);
  if (why.length === 0) return { describe, test };
  const missing = why.join('; ');
  if (inCi(env)) throw new Error(`${suite} cannot run under CI=true: ${missing}`);
  return { missing, describe: describe.skip, test: test.skip };
}
