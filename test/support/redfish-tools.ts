/**
 * DMTF's Redfish tools (redfish-protocol-validator, redfish-utilities) and OpenStack's
 * sushy-tools, installed once from PyPI into a virtualenv outside the repository by
 * scripts/ensure-redfish-tools.sh. Throws with the script's own message when it cannot
 * provide them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './tools';

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
  let dir: string;
  try {
    dir = execFileSync(path.join(REPO_ROOT, 'scripts', 'ensure-redfish-tools.sh'), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    }).trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/ensure-redfish-tools.sh failed: ${(e.stderr ?? '').trim() || e.message}`, {
      cause: err,
    });
  }
  for (const tool of REDFISH_TOOLS)
    if (!fs.existsSync(path.join(dir, tool)))
      throw new Error(`${tool} is missing from ${dir}: run scripts/ensure-redfish-tools.sh`);
  bin = dir;
  return dir;
}

/** The path of one tool in the venv. */
export function redfishTool(tool: RedfishTool): string {
  return path.join(redfishToolsBinDir(), tool);
}
