#!/usr/bin/env node
// Prints jest's JSON result as one line, "N passed, N failed, N skipped", so a
// run that executed no test shows as "0 passed".
const fs = require('node:fs');
const file = process.argv[2] || 'test-results.json';
let r;
try {
  r = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  console.log('0 passed, 1 failed');
  console.error(`no jest result in ${file}: ${err.message}`);
  process.exit(1);
}
const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
// A suite that failed to run (syntax error, failed beforeAll) counts as a failure too.
const brokenSuites = (r.testResults || []).filter(
  (s) => s.status === 'failed' && (s.assertionResults || []).every((a) => a.status !== 'failed'),
).length;
console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenSuites} failed, ${skipped} skipped`);
