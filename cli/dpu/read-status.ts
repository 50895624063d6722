/**
 * A DPU's status as a client sees it: the workflow's status query, plus the
 * heartbeat of a BFB transfer in flight (bytes sent), from DescribeWorkflowExecution.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { decode } from '@temporalio/common/lib/internal-non-workflow';
import type { DpuStatus } from '../../model/dpu';
import { statusQuery } from '../../model/dpu-provision-api';
import { PHASE_KEY } from '../../model/search-attributes';
import { provisionDpuWorkflowId } from '../../model/workflow-ids';
import { temporalCallProblem, temporalUnavailable } from '../../platform/connection/temporal-call-problem';

/** How long `dpu status` waits for each answer (the run's description, its status query). */
const CALL_DEADLINE_MS = 15_000;

export interface TransferInFlight {
  activity: string;
  attempt: number;
  bytesSent?: number;
  bytesTotal?: number;
  lastFailure?: string;
  /** The last failure's type: `DmsRebootUnderWay` is a wait looking again, not a fault (activities/dms/await-reboot.ts). */
  lastFailureType?: string;
}

export interface DpuView {
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, FAILED, TERMINATED… */
  execution: string;
  status?: DpuStatus;
  /** Activities in flight, with what their heartbeats say. */
  activities: TransferInFlight[];
  /** Set when the run ended without a status (e.g. refused input). */
  failure?: string;
}

/** A DPU's view, by name (a run started with `xpuflow dpu provision`). */
export async function readDpuView(client: Client, dpu: string): Promise<DpuView> {
  const workflowId = provisionDpuWorkflowId(dpu);
  return readRunView(
    client,
    workflowId,
    `no provisioning run for DPU ${JSON.stringify(dpu)} (workflow ${workflowId}); start one with \`xpuflow dpu provision\` (a DPU object: pass -n <namespace>)`,
  );
}

/** The view of one ProvisionDpu or UpdateDpu run; `missing` is the error when there is no such run. */
export async function readRunView(client: Client, workflowId: string, missing: string): Promise<DpuView> {
  const handle = client.workflow.getHandle(workflowId);
  const address = client.connection instanceof Connection ? client.connection.options.address : 'its address';
  // Bounded: with a cluster's history or matching service away a call can go unanswered for 30 s and more.
  let deadline = 0;
  const bounded = <T>(fn: () => Promise<T>) => {
    deadline = Date.now() + CALL_DEADLINE_MS;
    return client.connection.withDeadline(deadline, fn);
  };
  // Our own bound reached ends the call as DEADLINE_EXCEEDED or, seen on the cluster with matching
  // away (test/e2e/temporal-cluster.test.ts), CANCELLED: either way no answer came in time.
  const noAnswer = (err: unknown) => temporalUnavailable(err) || Date.now() >= deadline;
  let desc;
  try {
    desc = await bounded(() => handle.describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new Error(missing, { cause: err });
    if (noAnswer(err))
      throw new Error(
        `no answer about ${workflowId} from Temporal at ${address} (${temporalCallProblem(err)}): ` +
          `a service of the cluster behind its frontend (history, matching) may be away or restarting; ` +
          `running workflows lose nothing while it is: run this again once it is back`,
        { cause: err },
      );
    throw err;
  }
  const view: DpuView = {
    workflowId,
    runId: desc.runId,
    execution: desc.status.name,
    activities: await Promise.all(
      (desc.raw.pendingActivities ?? []).map(async (a) => {
        // Heartbeats pass through the payload codec (encrypted when XPUFLOW_CODEC_KEYS is set).
        const [first] = a.heartbeatDetails?.payloads?.length
          ? await decode(client.options.loadedDataConverter.payloadCodecs, [a.heartbeatDetails.payloads[0]])
          : [];
        const details = first
          ? (defaultPayloadConverter.fromPayload(first) as Record<string, unknown>)
          : undefined;
        return {
          activity: a.activityType?.name ?? '?',
          attempt: a.attempt ?? 1,
          bytesSent: numberOf(details?.bytesSent ?? details?.bytesDone),
          bytesTotal: numberOf(details?.bytesTotal),
          lastFailure: a.lastFailure?.message ?? undefined,
          lastFailureType: a.lastFailure?.applicationFailureInfo?.type ?? undefined,
        };
      }),
    ),
  };
  if (desc.status.name === 'COMPLETED') {
    // A finished run's result is its final status; no worker is needed to read it.
    view.status = (await handle.result()) as DpuStatus;
  } else if (desc.status.name === 'RUNNING') {
    try {
      view.status = await bounded(() => handle.query(statusQuery));
    } catch (err) {
      const phase = desc.typedSearchAttributes.get(PHASE_KEY);
      const recorded = `the run is RUNNING${phase ? `, last phase recorded ${phase}` : ''}`;
      if (noAnswer(err))
        throw new Error(
          `no live status of ${workflowId} through Temporal at ${address} (${temporalCallProblem(err)}): ` +
            `${recorded}, and it loses nothing while it waits; the query needs the cluster's matching service ` +
            `and a control worker (xpuflow worker control): check both are up, then run this again`,
          { cause: err },
        );
      throw new Error(
        `cannot read the status of ${workflowId} through Temporal at ${address}: ${temporalCallProblem(err)} ` +
          `(${recorded}); is a control worker running (xpuflow worker control)?`,
        { cause: err },
      );
    }
  } else {
    try {
      await handle.result();
    } catch (err) {
      view.failure = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    }
  }
  return view;
}

function numberOf(v: unknown): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : undefined;
}
