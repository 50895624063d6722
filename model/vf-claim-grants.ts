/**
 * What each guest cluster may claim on this host: the host admin's ConfigMap
 * `xpuflow-vf-claim-grants` in the host cluster (the namespace of the VFClaim
 * mirrors, XPUFLOW_VF_CLAIM_NAMESPACE), one key per guest cluster id (its
 * guest worker's --cluster), each a JSON grant:
 *
 *   guest-a: '{"vms": ["vm1", "tenant-a-*"], "pfs": ["0000:5e:00.0"], "pools": ["pool-a"]}'
 *
 * A `vms` entry ending in `*` is a name prefix. Without a grant nothing is
 * claimed: a guest cluster that can start workflows on the control queue
 * still gets no VF the host did not give it. The id is the one the claim's
 * starter declares (the workflow input): binding it to a guest is the
 * Temporal server's authorization (one client certificate per guest).
 */

export const VF_CLAIM_GRANTS_CONFIGMAP = 'xpuflow-vf-claim-grants';

export interface VfClaimGrant {
  /** VM names, or prefixes ending in `*`. */
  vms?: string[];
  /** PF PCI addresses a claim may name in spec.pfAddress. */
  pfs?: string[];
  /** Pool names a claim may name in spec.pool. */
  pools?: string[];
}

export interface VfClaimAsk {
  cluster: string;
  vm: string;
  pfAddress?: string;
  pool?: string;
}

/** A grant's shape problem, naming the key, or undefined. */
export function vfClaimGrantProblem(key: string, grant: unknown): string | undefined {
  if (!grant || typeof grant !== 'object' || Array.isArray(grant))
    return `key ${key} must be a JSON object like {"vms": ["vm1"], "pfs": ["0000:5e:00.0"], "pools": ["pool-a"]}`;
  for (const field of ['vms', 'pfs', 'pools'] as const) {
    const v = (grant as Record<string, unknown>)[field];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string')))
      return `key ${key}: "${field}" must be a list of strings, not ${JSON.stringify(v)}`;
  }
  return undefined;
}

/**
 * Why `ask` is outside `grant` (undefined when it is inside), naming the guest
 * cluster, the value and what the host admin must add to `where` (ns/name).
 */
export function vfClaimRefusal(
  grant: VfClaimGrant | undefined,
  ask: VfClaimAsk,
  where: string,
): string | undefined {
  const source =
    ask.pool !== undefined
      ? { field: 'pools', value: ask.pool }
      : { field: 'pfs', value: ask.pfAddress ?? '' };
  const add = (field: string, value: string) =>
    `the host admin adds ${JSON.stringify(value)} to "${field}" of key ${ask.cluster} in ConfigMap ${where}`;
  if (!grant)
    return `guest cluster ${ask.cluster} has no VF grant on this host: the host admin adds key ${ask.cluster} to ConfigMap ${where}, e.g. {"vms": [${JSON.stringify(ask.vm)}], "${source.field}": [${JSON.stringify(source.value)}]}`;
  const vmOk = (grant.vms ?? []).some((v) =>
    v.endsWith('*') ? ask.vm.startsWith(v.slice(0, -1)) : v === ask.vm,
  );
  if (!vmOk)
    return `guest cluster ${ask.cluster} may not claim a VF for VM ${ask.vm}: ${add('vms', ask.vm)} (or a prefix ending in *)`;
  const granted = source.field === 'pools' ? (grant.pools ?? []) : (grant.pfs ?? []);
  if (!granted.includes(source.value))
    return `guest cluster ${ask.cluster} may not claim from ${source.field === 'pools' ? 'pool' : 'PF'} ${source.value}: ${add(source.field, source.value)}`;
  return undefined;
}
