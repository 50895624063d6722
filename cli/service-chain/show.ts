/**
 * What `xpuflow chain show` prints: the ports and flows xpuflow owns on each
 * DPU, as the DPU's serviceChain workflow last read them from OVS (its
 * chainState query), with when, what is pending and what failed.
 */
import type { Client } from '@temporalio/client';
import { chainStateQuery, type ServiceChainState } from '../../model/service-chain-api';
import { WorkflowType } from '../../model/workflow-types';

export interface ChainShowRow extends ServiceChainState {
  workflowId: string;
}

export async function readChainStates(client: Client, dpu?: string): Promise<ChainShowRow[]> {
  const rows: ChainShowRow[] = [];
  const query = `WorkflowType = '${WorkflowType.serviceChain}' AND ExecutionStatus = 'Running'`;
  for await (const w of client.workflow.list({ query })) {
    const state = await client.workflow.getHandle(w.workflowId).query(chainStateQuery);
    if (dpu && state.dpu !== dpu) continue;
    rows.push({ workflowId: w.workflowId, ...state });
  }
  return rows.sort((a, b) => (a.workflowId < b.workflowId ? -1 : 1));
}

export function renderChainStates(rows: ChainShowRow[]): string[] {
  if (rows.length === 0) return ['no service chains on any DPU (no running serviceChain workflow)'];
  const out: string[] = [];
  for (const r of rows) {
    const applied =
      r.appliedRevision === undefined
        ? 'not applied yet'
        : r.appliedRevision === r.desiredRevision
          ? `applied revision ${r.appliedRevision}`
          : `applying revision ${r.desiredRevision} (applied ${r.appliedRevision})`;
    out.push(
      `DPU ${r.dpu}  ${applied}${r.lastReconciled ? `, checked ${r.lastReconciled}` : ''}  [${r.workflowId}]`,
    );
    if (r.error) out.push(`  error: ${r.error}`);
    for (const p of r.problems) out.push(`  problem: ${p}`);
    const ports = r.observed?.ports ?? [];
    out.push(`  ports (${ports.length}):`);
    for (const p of ports)
      out.push(
        `    ${p.bridge}  ${p.name}  ${p.type}${p.ofport !== undefined ? `  ofport ${p.ofport}` : ''}${p.resource ? `  ${p.resource}` : ''}${p.error ? `  error: ${p.error}` : ''}`,
      );
    const flows = r.observed?.flows ?? [];
    out.push(`  flows (${flows.length}):`);
    for (const f of flows)
      out.push(`    ${f.bridge}  cookie=${f.cookie} priority=${f.priority},${f.match} actions=${f.actions}`);
  }
  return out;
}
