/**
 * The pure rules of a DPUDeployment: the names of what it makes, the values a
 * service runs with (the configuration's win over the template's), whether
 * the services fit the flavor's DPU resources, and whether the BFB's versions
 * satisfy each template's constraints — the two checks NVIDIA DPF's
 * DPUDeployment controller makes before it changes anything (conditions
 * ResourceFittingReady and VersionMatchingReady, NVIDIA/doca-platform
 * api/dpuservice/v1alpha1/dpudeployment_types.go @05b8850f53b5ed24db3e45190484d4b947679b0c).
 */
import type { DpuFlavorSpec } from './resources/common';

/** The DPUSet a deployment makes for one of its dpuSets entries. */
export const deploymentDpuSetName = (deployment: string, suffix: string) => `${deployment}-${suffix}`;
/** One DPUService per service revision (DPF makes one per version too), so DPUs on either revision are served. */
export const deploymentServiceName = (deployment: string, service: string, revision: string) =>
  `${deployment}-${service}-${revision.slice(0, 6)}`;
export const deploymentInterfaceName = (deployment: string, service: string, iface: string) =>
  `${deployment}-${service}-${iface}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
export const deploymentChainName = (deployment: string) => deployment;
/**
 * The DPU-cluster node label that says which revision of a service a DPU
 * runs: the DPU template carries it, and each revision's DPUService selects
 * it, so the DPU's one update (drain, flash, rejoin) also moves its services.
 */
export const serviceRevisionLabelKey = (deployment: string, service: string) =>
  `svc-revision.provisioning.xpuflow.dev/${deployment}-${service}`;

type Values = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Values => !!v && typeof v === 'object' && !Array.isArray(v);

/** The template's values with the configuration's merged over them, key by key (lists are replaced whole, as Helm does). */
export function mergeValues(base: Values | undefined, over: Values | undefined): Values {
  const out: Values = { ...(base ?? {}) };
  for (const [k, v] of Object.entries(over ?? {}))
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeValues(out[k] as Values, v) : v;
  return out;
}

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("500m", "2", "1Gi") as a number of base units, or undefined when it is not one. */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) && q >= 0 ? q : undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) * SUFFIX[m[2] ?? ''];
}

export interface ServiceNeeds {
  /** The service's key in spec.services. */
  service: string;
  template: string;
  requirements?: Record<string, string | number>;
}

/**
 * Why the services do not fit on a DPU of the flavor, or undefined when they
 * do: for every resource a service asks for, the sum of all services' asks
 * must be at most the flavor's dpuResources minus its systemReservedResources.
 */
export function resourceFitProblem(
  flavorName: string | undefined,
  flavor: Pick<DpuFlavorSpec, 'dpuResources' | 'systemReservedResources'> | undefined,
  services: ServiceNeeds[],
): string | undefined {
  const asked = new Map<string, Array<{ service: string; amount: number; raw: string | number }>>();
  for (const s of services) {
    for (const [res, raw] of Object.entries(s.requirements ?? {})) {
      const amount = parseQuantity(raw);
      if (amount === undefined)
        return `DPUServiceTemplate ${s.template} asks for ${res} ${JSON.stringify(raw)}, which is not a quantity: fix its spec.resourceRequirements`;
      asked.set(res, [...(asked.get(res) ?? []), { service: s.service, amount, raw }]);
    }
  }
  if (asked.size === 0) return undefined;
  if (!flavorName || !flavor)
    return `services ${[...new Set([...asked.values()].flat().map((a) => a.service))].join(', ')} need DPU resources (${[...asked.keys()].join(', ')}) but spec.dpus.flavor names no DPUFlavor that lists them: set a flavor with dpuResources`;
  for (const [res, asks] of [...asked].sort(([a], [b]) => a.localeCompare(b))) {
    const offeredRaw = flavor.dpuResources?.[res];
    const offered = offeredRaw === undefined ? undefined : parseQuantity(offeredRaw);
    const reservedRaw = flavor.systemReservedResources?.[res];
    const reserved = reservedRaw === undefined ? 0 : (parseQuantity(reservedRaw) ?? 0);
    const who = asks.map((a) => `${a.service} (${res} ${a.raw})`).join(', ');
    if (offered === undefined)
      return `services ${who} need ${res} but DPUFlavor ${flavorName} has no dpuResources.${res}: add it to the flavor or drop it from the templates' resourceRequirements`;
    const total = asks.reduce((n, a) => n + a.amount, 0);
    if (total > offered - reserved + 1e-9)
      return `services ${who} need ${res} ${formatAmount(total)} but DPUFlavor ${flavorName} offers ${formatAmount(offered - reserved)} (dpuResources ${offeredRaw} minus systemReservedResources ${reservedRaw ?? 0}): lower the templates' resourceRequirements or choose a flavor with more`;
  }
  return undefined;
}

const formatAmount = (n: number) => String(Math.round(n * 1000) / 1000);

/** A version as [major, minor, patch] (missing parts are 0), or undefined. */
export function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+.][0-9A-Za-z.-]+)?$/.exec(v.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Whether `version` satisfies `constraint`: comparisons separated by spaces,
 * all of which must hold (">=2.9.0 <3.0.0"; a bare version means "=").
 * Throws, naming the part, on a constraint it cannot read.
 */
export function satisfies(version: string, constraint: string): boolean {
  const v = parseVersion(version);
  if (!v) throw new Error(`version ${JSON.stringify(version)} is not a version like 2.9.1`);
  const parts = constraint.match(/(>=|<=|>|<|!=|=)?\s*v?[0-9]+(?:\.[0-9]+){0,2}/g);
  if (!parts || parts.join('').replace(/\s/g, '') !== constraint.replace(/\s/g, ''))
    throw new Error(`constraint ${JSON.stringify(constraint)} is not like ">=2.9.0 <3.0.0"`);
  return parts.every((p) => {
    const m = /^(>=|<=|>|<|!=|=)?\s*(.+)$/.exec(p.trim())!;
    const c = compare(v, parseVersion(m[2])!);
    switch (m[1] ?? '=') {
      case '>=':
        return c >= 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '<':
        return c < 0;
      case '!=':
        return c !== 0;
      default:
        return c === 0;
    }
  });
}

/**
 * Why the BFB's versions do not satisfy a template, one message per
 * constraint that fails (empty: they all hold). A component the BFB does not
 * list fails its constraint: nothing is assumed about an image.
 */
export function versionProblems(
  bfbName: string,
  bfbVersions: Record<string, string> | undefined,
  templates: Array<{ template: string; versions?: Record<string, string> }>,
): string[] {
  const out: string[] = [];
  for (const t of templates) {
    for (const [component, constraint] of Object.entries(t.versions ?? {})) {
      const have = bfbVersions?.[component];
      if (have === undefined) {
        out.push(
          `DPUServiceTemplate ${t.template} needs ${component} ${constraint} but BFB ${bfbName} lists no spec.versions.${component}: add it to the BFB or drop the constraint`,
        );
        continue;
      }
      let ok: boolean;
      try {
        ok = satisfies(have, constraint);
      } catch (err) {
        out.push(`DPUServiceTemplate ${t.template} spec.versions.${component}: ${(err as Error).message}`);
        continue;
      }
      if (!ok)
        out.push(
          `DPUServiceTemplate ${t.template} needs ${component} ${constraint} but BFB ${bfbName} has ${component} ${have}: use a BFB that satisfies it or a template for this version`,
        );
    }
  }
  return out;
}
