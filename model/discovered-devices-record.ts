/**
 * The record host-side node discovery keeps on each Node: a JSON list of the
 * cards it found, in the `dpu.xpuflow.dev/discovered-devices` annotation.
 * node/discovery/node-record.ts writes (and re-reads) it; BMC discovery reads
 * it to find a DPU's host by serial (model/dpu-host-match.ts).
 *
 * Pure: the annotation's text in, its entries out.
 */

/** On a Node: what host-side discovery found there, a JSON list of cards. */
export const DISCOVERED_DEVICES_ANNOTATION = 'dpu.xpuflow.dev/discovered-devices';

/**
 * The record's entries, each an object whose fields the reader still checks.
 * A record that is absent, not JSON or not a list (written by hand) gives
 * none; entries that are not objects are passed over.
 */
export function discoveredDeviceEntries(annotation: string | undefined): Array<Record<string, unknown>> {
  if (!annotation) return [];
  let list: unknown;
  try {
    list = JSON.parse(annotation);
  } catch (err) {
    if (err instanceof SyntaxError) return [];
    throw err;
  }
  if (!Array.isArray(list)) return [];
  return list.filter((d: unknown): d is Record<string, unknown> => typeof d === 'object' && d !== null);
}
