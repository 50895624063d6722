/** What `xpuflow deployment status` prints: the deployment's checks from its status, the plan and each DPU's step from its workflow. */
import type { DeploymentProgress } from '../../model/dpu-deployment-api';
import type { DpuDeploymentResource } from '../../model/resources/dpu-deployment';

const CHECKS = ['PrerequisitesReady', 'ResourceFittingReady', 'VersionMatchingReady'];

export function renderDeploymentStatus(
  dep: DpuDeploymentResource,
  progress: DeploymentProgress | undefined,
  link: string | undefined,
): string[] {
  const st = dep.status ?? {};
  const out = [
    `DPUDeployment ${dep.metadata.namespace}/${dep.metadata.name}  generation ${dep.metadata.generation ?? 1} (observed ${st.observedGeneration ?? '-'})  revision ${st.revision ?? '-'}`,
  ];
  for (const type of CHECKS) {
    const c = st.conditions?.find((x) => x.type === type);
    if (!c) continue;
    out.push(`  ${type}=${c.status}${c.status === 'True' ? '' : ` (${c.reason}): ${c.message}`}`);
  }
  const deleting = st.conditions?.find((x) => x.type === 'Deleting');
  if (dep.metadata.deletionTimestamp || deleting)
    out.push(`  deleting: ${deleting?.message ?? 'requested; its workflow has not reported yet'}`);
  if (!st.workflowId || !progress) {
    out.push('  rollout: none yet (the checks above must all pass first)');
    return out;
  }
  out.push(`  rollout: ${progress.phase}: ${progress.message}`);
  const plan = progress.plan;
  if (plan) {
    out.push(
      `  plan: revision ${plan.revision}${plan.servicesRevision ? ` services ${plan.servicesRevision}` : ''} (generation ${plan.generation}), BFB ${plan.template.bfb}${plan.template.flavor ? `, flavor ${plan.template.flavor}` : ''}, at most ${plan.maxUnavailable} DPU(s) down at once`,
    );
    for (const s of plan.services)
      out.push(`    service ${s.service}: ${s.chart} ${s.version} as DPUService ${s.dpuService}`);
  }
  if (progress.dpus.length) {
    const width = Math.max(...progress.dpus.map((d) => d.dpu.length));
    out.push(
      '  DPUs (one update each: drain, flash, services, ready; a services-only change: services, ready):',
    );
    for (const d of progress.dpus)
      out.push(`    ${d.dpu.padEnd(width)}  ${d.step}${d.message ? `: ${d.message}` : ''}`);
  }
  out.push(`  workflow: ${st.workflowId}${link ? `  ${link}` : ''}`);
  return out;
}
