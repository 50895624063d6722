/**
 * How a DPU's OS is installed (issue 14): `gnoi` streams the BFB to DMS on
 * the host (the default, NVIDIA DPF's gNOI path); `redfish` has the DPU's
 * own BMC fetch the BFB with `UpdateService.SimpleUpdate` and reset the DPU
 * (NVIDIA DPF's zero-trust path: NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/redfish/installing.go,
 * commit 02f88055bd9f94046568b6b3067490fae4fb8ab7). Pure types and checks:
 * the CRDs hold the same rules (charts/xpuflow/crds/, the DPU's `spec.bmc`).
 */

export const INSTALL_PATHS = ['gnoi', 'redfish'] as const;
export type InstallPath = (typeof INSTALL_PATHS)[number];

/** A key of a Secret or ConfigMap in the DPU's namespace. */
export interface KeyRef {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  /** Default `ca.crt`. */
  key?: string;
}

/** The DPU's BMC, as the redfish path reaches it. */
export interface BmcRef {
  /** `host:port` or `https://host[:port]` of the BMC's Redfish service. */
  address: string;
  /** The Secret (in the DPU's namespace) holding the BMC account. */
  credentialsSecret: {
    name: string;
    /** Default `username`. */
    usernameKey?: string;
    /** Default `password`. */
    passwordKey?: string;
  };
  /** The CA that signed the BMC's certificate, in a Secret or ConfigMap (PEM). */
  caRef?: KeyRef;
  /** Or the SHA-256 of the BMC's certificate (DER), 64 hex digits. */
  certSha256?: string;
}

export const BMC_DEFAULT_KEYS = { username: 'username', password: 'password', ca: 'ca.crt' } as const;

/** The path a spec takes: `gnoi` unless it says `redfish`. */
export function installPathOf(spec: { installPath?: InstallPath }): InstallPath {
  return spec.installPath ?? 'gnoi';
}

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$/;
const HTTPS_URL = /^https:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?\/?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const CERT_SHA256 = /^[0-9a-fA-F]{64}$/;

/** The problems with an install path and its BMC block (empty when fine). */
export function installPathProblems(spec: { installPath?: unknown; bmc?: unknown }): string[] {
  const path = spec.installPath;
  if (path !== undefined && !INSTALL_PATHS.includes(path as InstallPath)) {
    return [`installPath ${JSON.stringify(path)} is not one of ${INSTALL_PATHS.join(', ')}`];
  }
  if (path !== 'redfish') return [];
  if (spec.bmc === undefined) {
    return ['installPath redfish needs bmc: { address, credentialsSecret, caRef or certSha256 }'];
  }
  return bmcProblems(spec.bmc);
}

export function bmcProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return ['bmc must be an object'];
  const bmc = value as Partial<BmcRef>;
  const out: string[] = [];
  const addr = bmc.address;
  if (typeof addr !== 'string' || !(HOST_PORT.test(addr) || HTTPS_URL.test(addr))) {
    out.push(`bmc.address ${JSON.stringify(addr)} is not host[:port] or https://host[:port]`);
  }
  const sec = bmc.credentialsSecret;
  if (!sec || typeof sec !== 'object' || typeof sec.name !== 'string' || !DNS_SUBDOMAIN.test(sec.name)) {
    out.push(
      `bmc.credentialsSecret.name ${JSON.stringify(sec?.name)} is not a Secret name (lowercase DNS subdomain)`,
    );
  } else {
    for (const k of ['usernameKey', 'passwordKey'] as const) {
      const v = sec[k];
      if (v !== undefined && (typeof v !== 'string' || !SECRET_KEY.test(v))) {
        out.push(`bmc.credentialsSecret.${k} ${JSON.stringify(v)} is not a Secret key`);
      }
    }
  }
  if (bmc.caRef === undefined && bmc.certSha256 === undefined) {
    out.push('bmc needs caRef or certSha256: the BMC certificate is pinned, never taken on trust');
  }
  if (bmc.caRef !== undefined) {
    const ca = bmc.caRef;
    if (
      !ca ||
      (ca.kind !== 'Secret' && ca.kind !== 'ConfigMap') ||
      typeof ca.name !== 'string' ||
      !DNS_SUBDOMAIN.test(ca.name) ||
      (ca.key !== undefined && !SECRET_KEY.test(ca.key))
    ) {
      out.push(`bmc.caRef ${JSON.stringify(ca)} is not { kind: Secret|ConfigMap, name, key? }`);
    }
  }
  if (
    bmc.certSha256 !== undefined &&
    (typeof bmc.certSha256 !== 'string' || !CERT_SHA256.test(bmc.certSha256))
  ) {
    out.push(`bmc.certSha256 ${JSON.stringify(bmc.certSha256)} is not 64 hex digits`);
  }
  return out;
}

/**
 * The DPU OS version a BFB installs, as the BMC's `FirmwareInventory/DPU_OS`
 * reports it after boot: xpuflow takes the BFB file's name without `.bfb`
 * (the BMC simulator, sim/bmc, does the same). Only the fallback for a BFB
 * without NVIDIA's embedded inventory, whose BSP and UEFI are what is checked
 * otherwise (model/bfb-versions.ts). Pure: used in the workflow.
 */
export function bfbVersionOf(url: string): string {
  const path = url.replace(/[?#].*$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1);
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    // A malformed escape: the name as written (the BMC reports what it parsed; a mismatch names both).
  }
  return name.replace(/\.bfb$/i, '') || url;
}
