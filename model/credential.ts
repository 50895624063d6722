/**
 * The rules of a DPUServiceCredentialRequest, pure and deterministic (the
 * controller, the activities and the workflow all use them): the Go-style
 * duration a token is asked for, the spec's checks, and when a token is
 * renewed. Each check names the field and the value.
 */
import type { CredentialSpec } from './resources/credential';

/** The shortest and longest token lifetime a request may ask for (the API server's floor is 10 minutes). */
export const MIN_DURATION_SECONDS = 10 * 60;
export const MAX_DURATION_SECONDS = 24 * 60 * 60;
/** A token is renewed at 80 % of its real lifetime, plus up to 5 % jitter so many requests do not renew at once. */
export const RENEW_AT_FRACTION = 0.8;
export const RENEW_JITTER_FRACTION = 0.05;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const DURATION =
  /^(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h)(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))*$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Milliseconds of a Go-style duration ("1h", "30m", "1h30m", "90s"); undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  if (typeof value !== 'string' || !DURATION.test(value)) return undefined;
  let ms = 0;
  for (const [, n, unit] of value.matchAll(PART)) ms += Number(n) * UNIT_MS[unit];
  return ms;
}

/** spec.duration: a duration of 10m to 24h. Returns the problem, or undefined. */
export function checkDuration(value: string, field = 'spec.duration'): string | undefined {
  const ms = parseDuration(value);
  if (ms === undefined)
    return `${field} ${JSON.stringify(value)} is not a duration: write it like "1h", "30m" or "1h30m"`;
  if (ms < MIN_DURATION_SECONDS * 1000 || ms > MAX_DURATION_SECONDS * 1000)
    return `${field} ${JSON.stringify(value)} is out of range: ask for 10m to 24h`;
  return undefined;
}

/** The token lifetime a spec asks for, in whole seconds (the TokenRequest's expirationSeconds). */
export function durationSeconds(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new Error(checkDuration(value));
  return Math.floor(ms / 1000);
}

function checkName(value: unknown, field: string, pattern: RegExp, what: string, max: number) {
  if (typeof value !== 'string' || value.length > max || !pattern.test(value))
    return `${field} ${JSON.stringify(value)} is not a valid ${what}`;
  return undefined;
}

/** Every problem of a spec (empty when it is good); each names the field and its value. */
export function credentialSpecProblems(spec: CredentialSpec | undefined): string[] {
  if (!spec || typeof spec !== 'object') return ['spec is missing'];
  const problems = [
    checkName(
      spec.serviceAccount?.name,
      'spec.serviceAccount.name',
      DNS_SUBDOMAIN,
      'ServiceAccount name (lowercase DNS subdomain, at most 253)',
      253,
    ),
    checkName(
      spec.serviceAccount?.namespace,
      'spec.serviceAccount.namespace',
      DNS_LABEL,
      'namespace (DNS label, at most 63)',
      63,
    ),
    spec.targetCluster
      ? checkName(spec.targetCluster, 'spec.targetCluster', DNS_SUBDOMAIN, 'DPUCluster name', 253)
      : undefined,
    checkDuration(spec.duration),
    spec.type === 'kubeconfig' || spec.type === 'tokenFile'
      ? undefined
      : `spec.type ${JSON.stringify(spec.type)} is not one of kubeconfig, tokenFile`,
    checkName(spec.secret?.name, 'spec.secret.name', DNS_SUBDOMAIN, 'Secret name', 253),
    checkName(spec.secret?.namespace, 'spec.secret.namespace', DNS_LABEL, 'namespace (DNS label)', 63),
  ];
  return problems.filter((p): p is string => p !== undefined);
}

/**
 * How long after issue a token is renewed: 80 % of its real lifetime (the
 * API server may grant less or more than asked) plus jitter of up to 5 %.
 * `random` is in [0, 1): the workflow's own, so replay gives the same answer.
 */
export function renewDelayMs(lifetimeMs: number, random: number): number {
  const r = Math.min(Math.max(random, 0), 1);
  return Math.max(1000, Math.floor(lifetimeMs * (RENEW_AT_FRACTION + RENEW_JITTER_FRACTION * r)));
}
