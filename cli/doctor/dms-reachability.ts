/**
 * doctor: each DMS an open provisioning run works with answers a gNOI
 * OS.Verify (the call DMS Deployment makes to see it is up), with the
 * control worker's DMS TLS settings (XPUFLOW_DMS_TLS_*). The addresses are
 * the `spec.dmsAddress` of the open provisionDpu, updateDpu and deleteDpu
 * runs' inputs. xpuflow reaches DPUs through DMS only: it knows no BMC.
 */
import * as grpc from '@grpc/grpc-js';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { DmsClients } from '../../activities/dms/clients';
import { callUnary } from '../../activities/dms/unary';
import { codecDataConverter } from '../../platform/codec/data-converter';
import { dmsTlsFromEnv } from '../../platform/connection/dms-tls';
import { TlsFileError } from '../../platform/connection/tls-files';
import { WorkflowType } from '../../model/workflow-types';
import type { DpuSpec } from '../../model/dpu';
import type { VerifyResponse__Output } from '../../proto/load';
import { Problem, type Check } from './check';
import { MAX_OPEN_RUNS } from './pollers';

const FLOWS_WITH_DMS = [WorkflowType.provisionDpu, WorkflowType.updateDpu, WorkflowType.deleteDpu];

export const dmsReachabilityCheck: Check = {
  name: 'dms',
  needs: ['namespace'],
  timeoutFix: 'a DMS accepts connections but does not answer: check the DMS pods on the hosts',
  async run(ctx, signal) {
    let tls;
    try {
      tls = dmsTlsFromEnv(ctx.env);
    } catch (err) {
      if (err instanceof TlsFileError)
        throw new Problem(err.message, 'fix the XPUFLOW_DMS_TLS_* file it names');
      throw err;
    }
    const deadline = Date.now() + ctx.timeoutMs;
    const known = await knownDms(ctx.client!, ctx.env, deadline);
    if (known.size === 0) return 'no open provisioning run names a DMS';
    const clients = new DmsClients(
      tls?.credentials ?? grpc.credentials.createInsecure(),
      tls?.channelOptions ?? {},
      // One look, then close() below.
      false,
    );
    try {
      // Answers, or not, before the check's own deadline, so each DMS is named.
      const callMs = Math.max(500, Math.floor(ctx.timeoutMs * 0.6));
      const answers = await Promise.all(
        [...known].map(async ([address, dpus]) => {
          try {
            const os = clients.os(address);
            const r = await callUnary<VerifyResponse__Output>(
              (md, o, cb) => os.verify({}, md, o, cb),
              callMs,
              signal,
            );
            return { address, dpus, ok: true, said: r.version || 'no OS yet' };
          } catch (err) {
            return { address, dpus, ok: false, said: (err as grpc.ServiceError).details || String(err) };
          }
        }),
      );
      const down = answers.filter((a) => !a.ok);
      if (down.length > 0)
        throw new Problem(
          down
            .map((a) => `DMS at ${a.address} (DPU ${a.dpus.join(', ')}) does not answer: ${a.said}`)
            .join('; '),
          `check the DMS pod of ${down.flatMap((a) => a.dpus).join(', ')} on its host (kubectl get pod dms-<dpu> -o wide), ` +
            'that the control worker reaches the host at that port, and XPUFLOW_DMS_TLS_* for mTLS',
        );
      return `${answers.map((a) => `DMS at ${a.address} (${a.dpus.join(', ')}): ${a.said}`).join('; ')}`;
    } finally {
      clients.close();
    }
  },
};

/** DMS address → DPU names, from the inputs of the open runs that call DMS. */
async function knownDms(
  client: Client,
  env: NodeJS.ProcessEnv,
  deadline: number,
): Promise<Map<string, string[]>> {
  const converter = codecDataConverter(env);
  const namespace = client.options.namespace;
  const query = `ExecutionStatus="Running" AND WorkflowType IN (${FLOWS_WITH_DMS.map((t) => `"${t}"`).join(', ')})`;
  const runs = await client.connection.withDeadline(deadline, () =>
    client.workflowService.listWorkflowExecutions({ namespace, query, pageSize: MAX_OPEN_RUNS }),
  );
  const known = new Map<string, string[]>();
  await Promise.all(
    (runs.executions ?? []).map(async (r) => {
      const h = await client.connection.withDeadline(deadline, () =>
        client.workflowService.getWorkflowExecutionHistory({
          namespace,
          execution: r.execution,
          maximumPageSize: 1,
        }),
      );
      let payloads = (h.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ??
        []) as Payload[];
      for (const codec of [...(converter?.payloadCodecs ?? [])].reverse())
        payloads = await codec.decode(payloads);
      if (payloads.length === 0) return;
      const input = defaultPayloadConverter.fromPayload<{ spec?: Partial<DpuSpec> }>(payloads[0]);
      const address = input?.spec?.dmsAddress;
      if (!address) return;
      const dpus = known.get(address) ?? [];
      if (input.spec?.name && !dpus.includes(input.spec.name)) dpus.push(input.spec.name);
      known.set(address, dpus);
    }),
  );
  return known;
}
