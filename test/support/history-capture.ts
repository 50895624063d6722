/**
 * Saves a run's history under test/histories/ when XPUFLOW_WRITE_HISTORIES=1
 * (README "Changing a workflow"): the same JSON the Temporal UI and
 * `temporal workflow show --output json` export, replayed by test/replay/.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, temporalCli } from './tools';

export function captureHistory(address: string, workflowId: string, fileName: string): void {
  if (process.env.XPUFLOW_WRITE_HISTORIES !== '1') return;
  const json = execFileSync(temporalCli(), [
    'workflow',
    'show',
    '--workflow-id',
    workflowId,
    '--output',
    'json',
    '--address',
    address,
  ]);
  fs.writeFileSync(path.join(REPO_ROOT, 'test', 'histories', fileName), json);
}
