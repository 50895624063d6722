/** `xpuflow dpu …`: provision, status, retry, reboot-done. */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { requireSearchAttributes } from '../../platform/connection/search-attributes-check';
import { connectClient, temporalSettings, workflowUiLink } from '../../platform/connection/temporal';
import type { DpuSpec } from '../../model/dpu';
import { parsePhase, Phase, RETRYABLE_FROM } from '../../model/phases';
import { operatorRebootedSignal, retryUpdate, type RetryRequest } from '../../model/dpu-provision-api';
import { reprovisionSignal } from '../../model/dpu-lifecycle-api';
import type { Client } from '@temporalio/client';
import { findKubeDpu } from './find-kube-dpu';
import { readDpuView, readRunView, type DpuView } from './read-status';
import { renderPhases, renderStatus } from './render-status';
import { startProvision } from './start-provision';
import { watchDpus } from './watch';
import { CliError } from '../cli-error';

export function dpuCommand(): Command {
  const dpu = new Command('dpu').description('provision DPUs and follow them');

  dpu
    .command('provision')
    .description('start provisioning one DPU (refuses bad input before anything is written)')
    .option('--spec <file>', 'a JSON file with the whole DPU spec (flags below override it)')
    .option('--name <dpu>', 'DPU name, a DNS-1123 label')
    .option('--node <node>', 'the host node the DPU sits in')
    .option('--pci <address>', "the DPU's PF on the host, DDDD:BB:DD.F")
    .option('--bfb-url <url>', 'http(s) URL of the BFB')
    .option('--bfb-sha256 <hex>', 'sha256 of the BFB')
    .option('--dms <host:port>', "address of the DPU's DMS (gNOI)")
    .option('--num-vfs <n>', 'SR-IOV VFs to create on the host PF', (v) => Number(v))
    .option('--no-auto-reboot', 'wait for an operator to reboot the DPU (then `xpuflow dpu reboot-done`)')
    .option('--no-check-node', 'skip the check that a host worker polls the node')
    .option('--wait', 'follow the DPU until it is Ready (exit 0) or in Error (exit 1)')
    .action(provision);

  const namespaceOption = () =>
    new Option(
      '-n, --namespace <ns>',
      'a DPU object (Kubernetes-managed) in this namespace; without it, a DPU started by `xpuflow dpu provision`',
    );

  dpu
    .command('status <dpu>')
    .description("a DPU's phase, conditions, progress and last error")
    .addOption(namespaceOption())
    .option('--watch', 'keep a live view (progress bar of the flash) until Ready or Error')
    .option('--json', 'print the status as JSON, for scripts')
    .option('--phases', 'list each phase with its result and duration')
    .action(showStatus);

  dpu
    .command('retry <dpu>')
    .description('restart a DPU in Error from a phase (default: the phase that failed)')
    .addOption(namespaceOption())
    .addOption(new Option('--from <phase>', `one of: ${RETRYABLE_FROM.join(', ')}`))
    .option('--bfb-url <url>', 'use a corrected BFB URL from now on (restarts from Pending)')
    .option('--bfb-sha256 <hex>', 'the corrected BFB sha256 (with --bfb-url)')
    .action(retry);

  dpu
    .command('reboot-done <dpu>')
    .description('tell a DPU waiting for a manual reboot that its host was power-cycled')
    .addOption(namespaceOption())
    .action(rebootDone);

  return dpu;
}

async function provision(o: ProvisionFlags & { checkNode: boolean; wait?: boolean }): Promise<void> {
  const spec = specFromFlags(o);
  const client = await connectClient();
  await requireSearchAttributes(client); // a namespace not set up is named before any workflow starts
  const { workflowId } = await startProvision(client, spec, { checkNode: o.checkNode });
  const link = workflowUiLink(temporalSettings(), workflowId);
  console.log(`provisioning ${spec.name} on ${spec.node}: workflow ${workflowId}\n  ${link}`);
  if (o.wait) process.exitCode = await follow(spec.name);
}

/**
 * The view of DPU `name`: with a namespace, the run of the DPU object there
 * (found through its lifecycle, find-kube-dpu.ts); without, the run
 * `xpuflow dpu provision` started.
 */
async function viewOf(client: Client, name: string, namespace?: string): Promise<DpuView> {
  if (namespace === undefined) return readDpuView(client, name);
  const { lifecycleId, state, runId } = await findKubeDpu(client, namespace, name);
  if (!runId) {
    throw new CliError(
      `DPU ${namespace}/${name} has no provisioning run yet (lifecycle ${lifecycleId}, ` +
        `generation ${state.desiredGeneration ?? 'none'} desired): see \`kubectl describe dpu ${name} -n ${namespace}\``,
      1,
    );
  }
  return readRunView(client, runId, `the run ${runId} of DPU ${namespace}/${name} is gone`);
}

/** How a DPU is named in messages: `ns/name` for a DPU object. */
function shown(name: string, namespace?: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

async function showStatus(
  name: string,
  o: { namespace?: string; watch?: boolean; json?: boolean; phases?: boolean },
): Promise<void> {
  const client = await connectClient();
  if (o.json) {
    console.log(JSON.stringify(await viewOf(client, name, o.namespace), null, 2));
    return;
  }
  if (o.watch) {
    process.exitCode = await follow(name, o.namespace);
    return;
  }
  const view = await viewOf(client, name, o.namespace);
  const lines = renderStatus(view, workflowUiLink(temporalSettings(), view.workflowId));
  if (o.phases) lines.push(...renderPhases(view));
  else
    for (const c of view.status?.conditions ?? [])
      lines.push(`  ${c.type}=${c.status} (${c.reason}): ${c.message}`);
  console.log(lines.join('\n'));
}

async function retry(
  name: string,
  o: { namespace?: string; from?: string; bfbUrl?: string; bfbSha256?: string },
): Promise<void> {
  const req: RetryRequest = { by: process.env.USER ?? 'cli' };
  if (o.from) {
    const phase = parsePhase(o.from);
    if (!phase)
      throw new CliError(
        `unknown phase ${JSON.stringify(o.from)}: choose one of ${RETRYABLE_FROM.join(', ')}`,
      );
    req.fromPhase = phase;
  }
  if (o.bfbUrl || o.bfbSha256) {
    if (!o.bfbUrl || !o.bfbSha256) throw new CliError('give both --bfb-url and --bfb-sha256');
    req.bfb = { url: o.bfbUrl, sha256: o.bfbSha256 };
  }
  const client = await connectClient();
  if (o.namespace !== undefined && (await rerunFailedGeneration(client, name, o.namespace, req))) return;
  const view = await viewOf(client, name, o.namespace);
  if (view.execution !== 'RUNNING') {
    const next =
      o.namespace === undefined
        ? 'start a new one with `xpuflow dpu provision`'
        : `change the DPU's spec to start a new one (kubectl edit dpu ${name} -n ${o.namespace})`;
    throw new CliError(
      `retry refused: the run for ${shown(name, o.namespace)} has finished (${view.execution}${view.status ? `, ${view.status.phase}` : ''}); ${next}`,
    );
  }
  const handle = client.workflow.getHandle(view.workflowId);
  try {
    const accepted = await handle.executeUpdate(retryUpdate, { args: [req] });
    console.log(
      `${shown(name, o.namespace)}: retry ${accepted.retry} restarts from ${accepted.restartingFrom}`,
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new CliError(`retry refused: ${err.cause?.message ?? err.message}`);
    throw err;
  }
}

/**
 * A DPU object whose generation's run failed or was terminated without
 * parking in Error (its lifecycle holds it as failed, not applied): the
 * lifecycle's `reprovision` runs that generation again from the start.
 * Returns false when the DPU is not in that state.
 */
async function rerunFailedGeneration(
  client: Client,
  name: string,
  namespace: string,
  req: RetryRequest,
): Promise<boolean> {
  const { lifecycleId, state } = await findKubeDpu(client, namespace, name);
  if (state.running || state.failedGeneration === undefined) return false;
  if (req.fromPhase || req.bfb)
    throw new CliError(
      `retry refused: the run of generation ${state.failedGeneration} of ${namespace}/${name} failed or was terminated ` +
        'and runs again from the start with its spec: leave out --from and --bfb-url/--bfb-sha256 ' +
        `(change the BFB in the DPU's spec: kubectl edit dpu ${name} -n ${namespace})`,
    );
  await client.workflow.getHandle(lifecycleId).signal(reprovisionSignal);
  console.log(
    `${namespace}/${name}: generation ${state.failedGeneration}, whose run failed or was terminated, runs again from the start`,
  );
  return true;
}

async function rebootDone(name: string, o: { namespace?: string }): Promise<void> {
  const client = await connectClient();
  const view = await viewOf(client, name, o.namespace);
  if (view.status?.phase !== Phase.Rebooting || !view.status.waitingFor) {
    throw new CliError(
      `${name} is not waiting for an operator's reboot (phase ${view.status?.phase ?? view.execution})`,
    );
  }
  await client.workflow
    .getHandle(view.workflowId)
    .signal(operatorRebootedSignal, { by: process.env.USER ?? 'cli' });
  console.log(`${shown(name, o.namespace)}: reboot noted; the flow checks the DPU is back`);
}

async function follow(name: string, namespace?: string): Promise<number> {
  const client = await connectClient();
  const [view] = await watchDpus(client, [name], { read: (c, d) => viewOf(c, d, namespace) });
  return view.status?.phase === Phase.Ready ? 0 : 1;
}

interface ProvisionFlags {
  spec?: string;
  name?: string;
  node?: string;
  pci?: string;
  bfbUrl?: string;
  bfbSha256?: string;
  dms?: string;
  numVfs?: number;
  autoReboot: boolean;
}

function specFromFlags(o: ProvisionFlags): DpuSpec {
  let base: Partial<DpuSpec> = {};
  if (o.spec) {
    try {
      base = JSON.parse(fs.readFileSync(o.spec, 'utf8')) as Partial<DpuSpec>;
    } catch (err) {
      throw new CliError(`cannot read the spec file ${o.spec}: ${(err as Error).message}`);
    }
  }
  const spec = {
    ...base,
    name: o.name ?? base.name,
    node: o.node ?? base.node,
    pciAddress: o.pci ?? base.pciAddress,
    bfb: { url: o.bfbUrl ?? base.bfb?.url, sha256: o.bfbSha256 ?? base.bfb?.sha256 },
    dmsAddress: o.dms ?? base.dmsAddress,
    numVfs: o.numVfs ?? base.numVfs ?? 0,
    automaticReboot: o.autoReboot === false ? false : (base.automaticReboot ?? true),
  } as DpuSpec;
  const missing = (['name', 'node', 'pciAddress', 'dmsAddress'] as const).filter(
    (k) => spec[k] === undefined,
  );
  if (!spec.bfb.url) missing.push('bfb.url' as never);
  if (!spec.bfb.sha256) missing.push('bfb.sha256' as never);
  if (missing.length) throw new CliError(`missing ${missing.join(', ')}: give them as flags or in --spec`);
  return spec;
}
