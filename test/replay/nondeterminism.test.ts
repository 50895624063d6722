/**
 * The replay check can fail: a deliberately changed workflow (an activity
 * renamed, through a workflow interceptor) does not replay a captured history,
 * and `replay` names the step (event, activity, phase) where it breaks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadHistoryFile } from '../../cli/history/load';
import { replay } from '../../cli/replay/replay';

jest.setTimeout(120_000);
const file = path.join(__dirname, '..', 'histories', 'provision-dpu-ready.json');

test('the unchanged workflow replays the captured history', async () => {
  const result = await replay(loadHistoryFile(file), 'provision-dpu-ready');
  expect(result).toEqual({ ok: true, events: expect.any(Number) });
});

test('a renamed activity breaks replay, named at its event and phase', async () => {
  const history = loadHistoryFile(file);
  const scheduled = history.events!.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fetchBfb',
  )!;
  const result = await replay(history, 'provision-dpu-ready', {
    interceptorModules: [require.resolve('./fixtures/renamed-activity-interceptor')],
  });
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.eventId).toBe(Number(scheduled.eventId));
  expect(result.step).toBe('ActivityTaskScheduled fetchBfb');
  expect(result.phase).toBe('Pending');
  expect(result.detail).toContain("'fetchBfbV2'");
});

test.each([
  [
    'truncated',
    (s: string) => s.slice(0, Math.floor(s.length / 2)),
    /is not valid JSON .* it may be truncated/,
  ],
  ['without events', () => '{"foo": 1}', /has no "events" array/],
  [
    'not starting at WorkflowExecutionStarted',
    (s: string) => {
      const doc = JSON.parse(s) as { events: unknown[] };
      return JSON.stringify({ events: doc.events.slice(3) });
    },
    /does not begin with WorkflowExecutionStarted \(first event: WorkflowTaskCompleted\)/,
  ],
])('a history file %s is refused, saying what is wrong', (_name, mangle, message) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-replay-'));
  try {
    const bad = path.join(dir, 'h.json');
    fs.writeFileSync(bad, mangle(fs.readFileSync(file, 'utf8')));
    expect(() => loadHistoryFile(bad)).toThrow(message);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
