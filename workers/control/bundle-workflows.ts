/**
 * Bundles the workflow code once, at build time, into dist/workflow-bundle.js,
 * and the VF lease alone (what a host worker runs on its own queue) into
 * dist/host-workflow-bundle.js.
 * A control worker that loads the bundle starts faster and never runs webpack
 * in production (which alone would lift its memory peak by ~100 MiB). The
 * bundle is written lean (lean-bundle.ts: no source texts in its source map,
 * one byte per character), 23 MiB less idle RSS (README "Process memory").
 *   node dist/workers/control/bundle-workflows.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../workflow-bundle-options';
import { leanBundle } from './lean-bundle';

export const WORKFLOW_BUNDLE = path.resolve(__dirname, '..', '..', 'workflow-bundle.js');
export const HOST_WORKFLOW_BUNDLE = path.resolve(__dirname, '..', '..', 'host-workflow-bundle.js');
/** The workflows a host worker runs: the VF lease. */
export const HOST_WORKFLOWS = require.resolve('../../workflows/vf-lease');

async function main(): Promise<void> {
  for (const [file, workflowsPath] of [
    [WORKFLOW_BUNDLE, require.resolve('../../workflows')],
    [HOST_WORKFLOW_BUNDLE, HOST_WORKFLOWS],
  ]) {
    const code = leanBundle((await bundleWorkflowCode(workflowBundleOptions(workflowsPath))).code);
    fs.writeFileSync(file, code);
    console.log(`workflow bundle written to ${file} (${(code.length / 1024).toFixed(0)} KiB)`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`bundling workflows: ${(err as Error).message}`);
    process.exit(1);
  });
}
