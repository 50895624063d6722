/**
 * Bundles the workflow code once, at build time, into dist/workflow-bundle.js.
 * A control worker that loads the bundle starts faster and never runs webpack
 * in production (which alone would lift its memory peak by ~100 MiB).
 *   node dist/workers/control/bundle-workflows.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOW_BUNDLE = path.resolve(__dirname, '..', '..', 'workflow-bundle.js');

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
  fs.writeFileSync(WORKFLOW_BUNDLE, code);
  console.log(`workflow bundle written to ${WORKFLOW_BUNDLE} (${(code.length / 1024).toFixed(0)} KiB)`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`bundling workflows: ${(err as Error).message}`);
    process.exit(1);
  });
}
