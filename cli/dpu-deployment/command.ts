/** `xpuflow deployment status NAME`: a DPUDeployment's checks (Kubernetes) and its plan and progress (its workflow's query). */
import { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { connectClient, temporalSettings, workflowUiLink } from '../../platform/connection/temporal';
import type { DpuDeploymentResource } from '../../model/resources/dpu-deployment';
import { deploymentProgressQuery, type DeploymentProgress } from '../../model/dpu-deployment-api';
import { CliError } from '../cli-error';
import { clusterKube, readClusterResource } from '../cluster-resource';
import { renderDeploymentStatus } from './render';

async function readDeployment(namespace: string, name: string): Promise<DpuDeploymentResource> {
  return readClusterResource(clusterKube('DPUDeployment'), 'DPUDeployment', namespace, name);
}

async function status(name: string, o: { namespace: string; json?: boolean }): Promise<void> {
  const dep = await readDeployment(o.namespace, name);
  const workflowId = dep.status?.workflowId;
  let progress: DeploymentProgress | undefined;
  if (workflowId) {
    const client = await connectClient();
    try {
      progress = await client.workflow.getHandle(workflowId).query(deploymentProgressQuery);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      throw new CliError(
        `the DPUDeployment names workflow ${workflowId}, which Temporal does not have (namespace ${temporalSettings().namespace}): check TEMPORAL_NAMESPACE, or the run ended and retention removed it`,
        1,
      );
    } finally {
      await client.connection.close();
    }
  }
  if (o.json) {
    console.log(JSON.stringify({ metadata: dep.metadata, status: dep.status ?? {}, progress }, null, 2));
    return;
  }
  const link = workflowId ? workflowUiLink(temporalSettings(), workflowId) : undefined;
  console.log(renderDeploymentStatus(dep, progress, link).join('\n'));
}

export function deploymentCommand(): Command {
  const deployment = new Command('deployment').description(
    'DPU deployments (a BFB, a flavor, services and their chain, rolled once per DPU): status',
  );
  deployment
    .command('status <name>')
    .description(
      "a DPUDeployment's checks (templates found, resources fit, BFB versions match), its plan and each DPU's step",
    )
    .option('-n, --namespace <ns>', 'namespace of the DPUDeployment', 'default')
    .option('--json', 'print the status and the workflow progress as JSON, for scripts')
    .action((name: string, o: { namespace: string; json?: boolean }) => status(name, o));
  return deployment;
}
