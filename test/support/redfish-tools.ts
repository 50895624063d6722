/**
 * DMTF's Redfish tools (redfish-protocol-validator, redfish-utilities) and OpenStack's
 * sushy-tools, installed once from PyPI into a virtualenv outside the repository by
 * scripts/ensure-redfish-tools.sh. Throws with the script's own message when it cannot
 * provide them.
 */
import path from 'node:path';
import { ensureScriptDir } from './ensure-script-dir';

/** The entry points the tests run, each of which must be in the venv's bin directory. */
export const REDFISH_TOOLS = [
  'rf_protocol_validator',
  'rf_update.py',
  'rf_power_reset.py',
  'rf_firmware_inventory.py',
  'sushy-emulator',
] as const;
export type RedfishTool = (typeof REDFISH_TOOLS)[number];

let bin: string | undefined;

/** The venv's bin directory (with `python` and the tools above). */
export function redfishToolsBinDir(): string {
  if (bin) return bin;
  bin = ensureScriptDir('ensure-redfish-tools.sh', REDFISH_TOOLS);
  return bin;
}

/** The path of one tool in the venv. */
export function redfishTool(tool: RedfishTool): string {
  return path.join(redfishToolsBinDir(), tool);
}
