/**
 * jest's testSequencer (jest.config.js): the order test files start in, from
 * their durations recorded in test/support/test-durations.json.
 *
 * The suite's wall time is bounded by whichever worker ends last. jest hands
 * the next file of this order to the first worker that is free; on a fresh
 * clone it has no cache of durations and would start the largest files
 * first, so a minute-long file with a short source can end alone. This order
 * plays that dispatch with the recorded durations (longest first, to the
 * worker that frees first) and, where it has a choice, does not start a file
 * next to one holding the same cross-process lock (test/support/exclusive-lock.ts,
 * `holdLock(LOCKS.x)`): the second would only wait for the first.
 *
 * A file with no recorded duration (a new one) is given the mean of its
 * folder's recorded files, so a new kube test is not left to the end.
 * Refresh the figures from a CI run: `node scripts/record-test-durations.js test-results.json`.
 */
const fs = require('node:fs');
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const DURATIONS = path.join(__dirname, 'test-durations.json');
const REPO = path.resolve(__dirname, '..', '..');

/** The lock a test file holds for its run (`holdLock(LOCKS.name)`), or undefined. */
function lockOf(source) {
  const m = /\bholdLock\(\s*LOCKS\.(\w+)/.exec(source);
  return m ? m[1] : undefined;
}

/**
 * The dispatch order of `files` ({ id, seconds, lock }) over `workers` workers:
 * each free worker takes the longest file left whose lock no running file
 * holds, else the longest left. Returns the ids in order and the wall time
 * that order would take.
 */
function planOrder(files, workers) {
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(`planOrder: workers=${workers}: expected a whole number of jest workers, 1 or more`);
  const left = [...files].sort((a, b) => b.seconds - a.seconds || (a.id < b.id ? -1 : 1));
  const running = Array.from({ length: workers }, () => ({ until: 0, lock: undefined }));
  const order = [];
  while (left.length) {
    const w = running.reduce((a, b) => (b.until < a.until ? b : a));
    const held = new Set(running.filter((r) => r !== w && r.until > w.until && r.lock).map((r) => r.lock));
    let i = left.findIndex((f) => !f.lock || !held.has(f.lock));
    if (i < 0) i = 0;
    const [f] = left.splice(i, 1);
    w.until += f.seconds;
    w.lock = f.lock;
    order.push(f.id);
  }
  return { order, seconds: Math.max(...running.map((r) => r.until)) };
}

/** Recorded seconds by repository-relative path; unknown files get their folder's mean (else the overall mean). */
function estimate(relPaths, recorded) {
  const known = Object.entries(recorded);
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 1);
  const overall = mean(known.map(([, s]) => s));
  return relPaths.map((p) => {
    if (recorded[p] !== undefined) return recorded[p];
    const dir = path.posix.dirname(p);
    const peers = known.filter(([q]) => path.posix.dirname(q) === dir).map(([, s]) => s);
    return peers.length ? mean(peers) : overall;
  });
}

function readRecorded(file) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(
      `${file}: ${err.message}; regenerate it with node scripts/record-test-durations.js <jest --json result>`,
      { cause: err },
    );
  }
  if (!doc || typeof doc.seconds !== 'object')
    throw new Error(`${file}: no "seconds" map; regenerate it with node scripts/record-test-durations.js`);
  return doc.seconds;
}

class DurationSequencer extends Sequencer {
  constructor(options) {
    super(options);
    /** jest's maxWorkers (jest.config.js: XPUFLOW_TEST_WORKERS, default 2; 1 with --runInBand). */
    this.workers = Math.max(1, options.globalConfig.maxWorkers || 1);
  }

  sort(tests) {
    const recorded = readRecorded(DURATIONS);
    const rel = tests.map((t) => path.relative(REPO, t.path).split(path.sep).join('/'));
    const seconds = estimate(rel, recorded);
    const files = tests.map((t, i) => ({
      id: i,
      seconds: seconds[i],
      lock: lockOf(fs.readFileSync(t.path, 'utf8')),
    }));
    return planOrder(files, this.workers).order.map((i) => tests[i]);
  }
}

module.exports = DurationSequencer;
module.exports.planOrder = planOrder;
module.exports.estimate = estimate;
module.exports.lockOf = lockOf;
