/**
 * Input checks done at every edge (CLI, workflow start, activities) before
 * anything is written. Pure and deterministic: safe inside workflow code.
 * Each returns an error message naming the value and what to do, or undefined.
 */
import type { DpuSpec } from './dpu';
import { installPathOf, installPathProblems } from './install-path';

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SHA256 = /^[0-9a-f]{64}$/;
const HTTP_URL = /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i;

export function checkPciAddress(value: string): string | undefined {
  if (typeof value !== 'string' || !PCI_ADDRESS.test(value)) {
    return `PCI address ${JSON.stringify(value)} is not of the form DDDD:BB:DD.F (lowercase hex, e.g. 0000:03:00.0)`;
  }
  return undefined;
}

export function checkNodeName(value: string): string | undefined {
  if (typeof value !== 'string' || value.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value)) {
    return `node name ${JSON.stringify(value)} is not a valid Kubernetes node name (lowercase letters, digits, '-' and '.')`;
  }
  return undefined;
}

export function checkDpuName(value: string): string | undefined {
  if (typeof value !== 'string' || !DNS_LABEL.test(value)) {
    return `DPU name ${JSON.stringify(value)} is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)`;
  }
  return undefined;
}

export function checkNamespace(value: string): string | undefined {
  if (typeof value !== 'string' || !DNS_LABEL.test(value)) {
    return `namespace ${JSON.stringify(value)} is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)`;
  }
  return undefined;
}

export function checkBfbUrl(value: string): string | undefined {
  if (typeof value !== 'string' || !HTTP_URL.test(value)) {
    return `BFB URL ${JSON.stringify(value)} is not an http:// or https:// URL`;
  }
  return undefined;
}

export function checkSha256(value: string): string | undefined {
  if (typeof value !== 'string' || !SHA256.test(value)) {
    return `BFB sha256 ${JSON.stringify(value)} is not 64 lowercase hex digits`;
  }
  return undefined;
}

/** numVfs against the PF's sriov_totalvfs when it is known. */
export function checkNumVfs(value: number, totalVfs?: number, pciAddress?: string): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    return `numVfs ${JSON.stringify(value)} must be a whole number of 0 or more`;
  }
  if (totalVfs !== undefined && value > totalVfs) {
    const pf = pciAddress ? ` of ${pciAddress}` : '';
    return `numVfs ${value} is over sriov_totalvfs ${totalVfs}${pf}; ask for at most ${totalVfs}`;
  }
  return undefined;
}

export function checkDmsAddress(value: string): string | undefined {
  if (typeof value !== 'string' || !/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/.test(value)) {
    return `DMS address ${JSON.stringify(value)} is not host:port`;
  }
  const port = Number(value.slice(value.lastIndexOf(':') + 1));
  if (port < 1 || port > 65535)
    return `DMS address ${JSON.stringify(value)} has port ${port} outside 1-65535`;
  return undefined;
}

/** Every problem with a spec that can be seen without touching a host. */
export function specProblems(spec: DpuSpec): string[] {
  if (spec === null || typeof spec !== 'object') return ['DPU spec must be an object'];
  const problems = [
    checkDpuName(spec.name),
    checkNodeName(spec.node),
    checkPciAddress(spec.pciAddress),
    spec.bfb && typeof spec.bfb === 'object' ? checkBfbUrl(spec.bfb.url) : 'bfb must be { url, sha256 }',
    spec.bfb && typeof spec.bfb === 'object' ? checkSha256(spec.bfb.sha256) : undefined,
    // The redfish path never calls DMS: its address is not checked there.
    installPathOf(spec) === 'gnoi' ? checkDmsAddress(spec.dmsAddress) : undefined,
    checkNumVfs(spec.numVfs),
    typeof spec.automaticReboot === 'boolean' ? undefined : 'automaticReboot must be true or false',
    ...installPathProblems(spec),
  ];
  return problems.filter((p): p is string => p !== undefined);
}
