/**
 * Every history under test/histories/ (captured from end-to-end runs, see
 * README "Changing a workflow") replays against the current workflow code: a
 * change that breaks determinism for runs in flight fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { leanBundle } from '../../workers/control/lean-bundle';
import { testWorkflowBundle } from '../support/workflow-bundle';

const dir = path.join(__dirname, '..', 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

jest.setTimeout(120_000);

// One bundle of the current workflow code for every history: the same webpack build
// runReplayHistory would make from workflowsPath, made once instead of once per file,
// taken from the tests' bundle cache while the workflow sources are unchanged, and
// made lean as the build writes it (workers/control/bundle-workflows.ts).
let bundle: WorkflowBundle;
beforeAll(async () => {
  const { code } = await testWorkflowBundle(require.resolve('../../workflows'));
  bundle = { code: leanBundle(code) };
});

test('there are captured histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(2);
});

test('every workflow the workers register has a captured history', async () => {
  const workflows: Record<string, unknown> = await import('../../workflows');
  const captured = new Set(
    files.map((f) => {
      const h = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[];
      };
      return h.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    }),
  );
  const missing = Object.keys(workflows).filter(
    (k) => typeof workflows[k] === 'function' && !captured.has(k),
  );
  // A new workflow needs one run captured from its end-to-end test (README "Changing a workflow").
  expect(missing).toEqual([]);
});

test.each(files)('%s replays against the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, file);
});
