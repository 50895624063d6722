/** Reading `ovs-ofctl dump-flows --names --no-stats` output back into flows. */
import { canonicalMatch, isOwnedCookie, type ObservedFlow } from '../../model/ovs-state';

const STAT_FIELDS = new Set([
  'duration',
  'n_packets',
  'n_bytes',
  'idle_age',
  'hard_age',
  'table',
  'reset_counts',
]);

/** One flow line ("cookie=0x…, priority=100,in_port=p0 actions=output:fw0"); undefined for headers. */
export function parseFlowLine(bridge: string, line: string): ObservedFlow | undefined {
  const t = line.trim();
  const at = t.indexOf(' actions=');
  if (at < 0 || t.startsWith('NXST_') || t.startsWith('OFPST_')) return undefined;
  // --names quotes port names that are not plain words ("fw-0", "12x"); we write them bare.
  const left = t.slice(0, at).replace(/"/g, '');
  const actions = t
    .slice(at + ' actions='.length)
    .trim()
    .replace(/"/g, '');
  let cookie = '0x0';
  let priority = 32768;
  const match: string[] = [];
  for (const raw of left.split(/,\s*|\s+/)) {
    const part = raw.trim();
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (key === 'cookie') cookie = value;
    else if (key === 'priority') priority = Number(value);
    else if (!STAT_FIELDS.has(key)) match.push(part);
  }
  const normalized = `0x${BigInt(cookie).toString(16).padStart(16, '0')}`;
  return {
    bridge,
    cookie: normalized,
    priority,
    match: canonicalMatch(match.join(',')),
    actions,
    owned: isOwnedCookie(normalized),
  };
}

export function parseFlows(bridge: string, dump: string): ObservedFlow[] {
  return dump
    .split('\n')
    .map((l) => parseFlowLine(bridge, l))
    .filter((f): f is ObservedFlow => !!f);
}

/** The identity of a flow in a table: bridge, cookie, priority and match. */
export function flowKey(f: { bridge: string; cookie: string; priority: number; match: string }): string {
  return `${f.bridge}|${f.cookie}|${f.priority}|${canonicalMatch(f.match)}`;
}
