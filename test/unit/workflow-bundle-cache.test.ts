/**
 * The test run's workflow bundle cache (test/support/workflow-bundle.ts): a
 * bundle is reused while the files it was made from are unchanged, and made
 * again when one of them, or a module it imports, changes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundledFiles, testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bundle-cache-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('reused while its sources are unchanged; made again after a change to an imported module', async () => {
  const src = path.join(dir, 'src');
  const cache = path.join(dir, 'cache');
  fs.mkdirSync(src);
  // webpack resolves @temporalio/workflow from the sources' directory upwards.
  fs.symlinkSync(path.resolve(__dirname, '../../node_modules'), path.join(dir, 'node_modules'));
  const entry = path.join(src, 'index.js');
  const greeting = path.join(src, 'greeting.js');
  fs.writeFileSync(entry, "const { text } = require('./greeting');\nexports.hello = async () => text;\n");
  fs.writeFileSync(greeting, "exports.text = 'first-greeting';\n");

  const first = await testWorkflowBundle(entry, cache);
  expect(first.code).toContain('first-greeting');
  expect(bundledFiles(first.code, process.cwd())).toEqual(expect.arrayContaining([entry, greeting]));
  const [cached] = fs.readdirSync(cache);
  const before = fs.statSync(path.join(cache, cached)).mtimeMs;

  // Unchanged: the same code, from the cache file (not written again).
  expect((await testWorkflowBundle(entry, cache)).code).toBe(first.code);
  expect(fs.statSync(path.join(cache, cached)).mtimeMs).toBe(before);

  // The imported module changes: a new bundle with the new text.
  fs.writeFileSync(greeting, "exports.text = 'second-greeting';\n");
  const second = await testWorkflowBundle(entry, cache);
  expect(second.code).toContain('second-greeting');
  expect(second.code).not.toContain('first-greeting');
});
