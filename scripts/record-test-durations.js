#!/usr/bin/env node
// Writes test/support/test-durations.json (the order jest starts test files in,
// test/support/duration-sequencer.js) from a jest --json result, e.g. the
// test-results.json of a CI run: each file's seconds, start to end.
//   node scripts/record-test-durations.js test-results.json
const fs = require('node:fs');
const path = require('node:path');
const repo = path.resolve(__dirname, '..');
const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/record-test-durations.js <jest --json result, e.g. test-results.json>');
  process.exit(2);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
if (!Array.isArray(r.testResults) || r.testResults.length === 0) {
  console.error(`${file}: no testResults; give the file jest --json --outputFile wrote`);
  process.exit(1);
}
const seconds = {};
for (const t of r.testResults) {
  // The run may have been elsewhere (a CI clone): keep the path from test/ on.
  const at = t.name.split(path.sep).lastIndexOf('test');
  if (at < 0 || !(t.endTime > t.startTime)) continue;
  const rel = t.name.split(path.sep).slice(at).join('/');
  seconds[rel] = Math.round((t.endTime - t.startTime) / 100) / 10;
}
const sorted = Object.fromEntries(Object.entries(seconds).sort(([a], [b]) => (a < b ? -1 : 1)));
const out = path.join(repo, 'test', 'support', 'test-durations.json');
const doc = {
  about:
    'seconds per test file of one jest run (scripts/record-test-durations.js); read by test/support/duration-sequencer.js',
  recordedAt: new Date(r.startTime).toISOString(),
  seconds: sorted,
};
fs.writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`${Object.keys(sorted).length} files written to ${path.relative(repo, out)}`);
