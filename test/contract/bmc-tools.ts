/**
 * Runs DMTF's Python Redfish tools (scripts/ensure-redfish-tools.sh's venv) against
 * the BMC simulator: the simulator's CA is the only one they trust (this machine's
 * REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE would otherwise override a session's own
 * `verify`, as python-requests reads them for every Session request).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BmcSim } from '../../sim/bmc';
import { redfishToolsBinDir } from '../support/redfish-tools';

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temporary directory holding the simulator's CA as ca.pem. */
export function caDir(sim: BmcSim): { dir: string; caFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bmc-tools-'));
  const caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, sim.caPem);
  return { dir, caFile };
}

/** Runs `python <args>` from the tools' venv with only `caFile` trusted; never rejects on a non-zero exit. */
export function runPython(args: string[], caFile: string, cwd: string, timeoutMs = 90_000): Promise<ToolRun> {
  const python = path.join(redfishToolsBinDir(), 'python');
  const env = {
    ...process.env,
    REQUESTS_CA_BUNDLE: caFile,
    CURL_CA_BUNDLE: caFile,
    SSL_CERT_FILE: caFile,
    PYTHONUNBUFFERED: '1',
  };
  return new Promise((resolve, reject) => {
    execFile(python, args, { env, cwd, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      if (e && (typeof e.code !== 'number' || e.killed))
        reject(
          new Error(`python ${args.join(' ')} did not run to its end (${e.message}); stderr: ${stderr}`),
        );
      else resolve({ code: e ? Number(e.code) : 0, stdout, stderr });
    });
  });
}

/** Runs one of redfish-utilities' scripts (rf_update.py, …) against the simulator as its account. */
export function runUtility(
  sim: BmcSim,
  script: string,
  args: string[],
  caFile: string,
  cwd: string,
): Promise<ToolRun> {
  return runPython(
    [path.join(redfishToolsBinDir(), script), '-u', sim.username, '-p', sim.password, '-r', sim.url, ...args],
    caFile,
    cwd,
  );
}
