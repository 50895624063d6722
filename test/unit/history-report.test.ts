/**
 * Reading a captured history as `runs show` does, and the visibility query
 * `runs list` builds from its filters.
 */
import path from 'node:path';
import { activities, failureChain, phaseAt, phaseSpans, runEnd } from '../../cli/history/events';
import { loadHistoryFile } from '../../cli/history/load';
import { sinceTime, visibilityQuery } from '../../cli/runs/query';
import { renderReport, runReport } from '../../cli/runs/show';

const history = loadHistoryFile(
  path.join(__dirname, '..', 'histories', 'provision-dpu-integrity-fail-retry.json'),
);

test('phases come from the XpuflowPhase upserts, in order, with times; Error sits between the attempts', () => {
  const spans = phaseSpans(history);
  const names = spans.map((s) => s.phase);
  expect(names.slice(0, 6)).toEqual([
    'Initializing',
    'Node Effect',
    'Pending',
    'DMS Deployment',
    'OS Installing',
    'Error',
  ]);
  expect(names[names.length - 1]).toBe('Ready');
  for (const s of spans) expect(s.endedAt!.getTime()).toBeGreaterThanOrEqual(s.startedAt!.getTime());
  expect(phaseAt(spans, spans[2].eventId + 1)).toBe('Pending');
});

test('the failed transfer is an activity that failed in OS Installing, with INTEGRITY_FAIL in its failure', () => {
  const failed = activities(history).filter((a) => a.result === 'failed');
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ activityType: 'dmsInstallBfb', phase: 'OS Installing', attempt: 1 });
  expect(failed[0].failure!.join(' ')).toMatch(/INTEGRITY_FAIL/);
  expect(runEnd(history)?.how).toBe('Completed');
});

test('the report marks the failed activity and lists every phase', () => {
  const lines = renderReport(runReport('provision-dpu-x', history));
  expect(lines[0]).toMatch(/^provision-dpu-x: Completed at \d{4}-/);
  expect(lines.some((l) => /^! #\d+ dmsInstallBfb \[OS Installing\] failed, attempt 1/.test(l))).toBe(true);
  expect(lines.filter((l) => /^ {2}Ready\s/.test(l))).toHaveLength(1);
});

test('a failure chain lists causes outermost first, with their kinds', () => {
  expect(
    failureChain({
      message: 'activity failed',
      activityFailureInfo: { activityType: { name: 'dmsVerify' } },
      cause: { message: 'DMS unreachable', applicationFailureInfo: { type: 'DmsUnavailable' } },
    }),
  ).toEqual(['activity failed (activity dmsVerify)', 'DMS unreachable (DmsUnavailable)']);
});

test('runs list filters become one visibility query; bad ones are refused naming the value', () => {
  const now = new Date('2026-11-23T21:00:00Z');
  expect(
    visibilityQuery({ phase: 'os installing', node: 'host-1', status: 'running', since: '1h' }, now),
  ).toBe(
    "WorkflowType IN ('provisionDpu', 'updateDpu') AND XpuflowPhase = 'OS Installing' AND XpuflowNode = 'host-1' " +
      "AND ExecutionStatus = 'Running' AND (StartTime > '2026-11-23T20:00:00.000Z' OR CloseTime > '2026-11-23T20:00:00.000Z')",
  );
  expect(sinceTime('2026-11-20T00:00:00Z', now).toISOString()).toBe('2026-11-20T00:00:00.000Z');
  expect(() => visibilityQuery({ phase: 'Flashing' })).toThrow(
    /unknown phase "Flashing": choose one of Initializing/,
  );
  expect(() => visibilityQuery({ status: 'dead' })).toThrow(/unknown status "dead": choose one of Running/);
  expect(() => visibilityQuery({ node: "x' OR 1=1" })).toThrow();
  expect(() => visibilityQuery({ since: 'soon' })).toThrow(/--since "soon" is neither a duration/);
});
