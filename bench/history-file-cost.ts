/**
 * What captured histories cost Temporal (the JSON `temporal workflow show
 * --output json` writes, as test/histories/ keeps them): for each file its
 * events, workflow tasks, activities, local-activity markers, estimated
 * Actions (history-cost.ts says what counts) and size in bytes as the server
 * stores it (the History protobuf), and its span of time. The inputs of the
 * README's "Scale on paper".
 *   node dist/bench/history-file-cost.js test/histories/provision-dpu-kube-ready-status-with-work.json …
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { actionsOf } from './history-cost';
import { runBench } from './run-bench';

const COMMAND = {
  name: 'history-file-cost',
  about: [
    'what captured workflow histories cost Temporal: for each file its events, workflow tasks,',
    'activities, local activities, estimated Actions, size in bytes as stored, and time span.',
  ],
  flags: {},
  operands: {
    value: 'HISTORY.json …',
    meaning: 'one or more histories as `temporal workflow show --output json` writes them (test/histories/)',
  },
};

function seconds(t: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  return Number(t?.seconds ?? 0) + (t?.nanos ?? 0) / 1e9;
}

async function main(_flags: unknown, files: readonly string[]): Promise<void> {
  for (const file of files) {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    const events = history.events ?? [];
    if (events.length === 0) throw new Error(`${file} holds no events: is it a workflow history?`);
    const count = (has: (e: temporal.api.history.v1.IHistoryEvent) => unknown) => events.filter(has).length;
    const bytes = temporal.api.history.v1.History.encode(history).finish().length;
    const span = seconds(events[events.length - 1].eventTime) - seconds(events[0].eventTime);
    console.log(
      `${path.basename(file)}: ${events.length} events, ` +
        `${count((e) => e.workflowTaskScheduledEventAttributes)} workflow tasks, ` +
        `${count((e) => e.activityTaskScheduledEventAttributes)} activities, ` +
        `${count((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')} local activities, ` +
        `${actionsOf(events)} Actions (est.), ${bytes} bytes, ${span.toFixed(1)} s`,
    );
  }
}

runBench(COMMAND, main);
