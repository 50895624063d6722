/** `xpuflow vf …`: list a node's VFs, attach/detach a VF for a pod or a VM, list leases. */
import { Command } from 'commander';
import { queueHasPollers } from '../../platform/connection/pollers';
import { requireSearchAttributes } from '../../platform/connection/search-attributes-check';
import { connectClient, temporalSettings, workflowUiLink } from '../../platform/connection/temporal';
import { discoverPool, resourceNameOf } from '../../node/deviceplugin/pool';
import { readVfConfig } from '../../node/hostagent/config';
import { LeaseConflict, listLeases, runningLease, startOrJoinLease } from '../../node/hostagent/leases';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../../model/task-queues';
import { checkNamespace, checkNodeName, checkPciAddress } from '../../model/validation';
import { releaseSignal, releaseUpdate } from '../../model/vf-lease-api';
import { vmClaimStatusQuery, vmReleaseSignal, type VmClaimInput } from '../../model/vm-claim-api';
import { checkPod, checkVlan, leaseMac, podKey, type PodRef } from '../../model/vf';
import { vfLeaseWorkflowId, vmClaimWorkflowId } from '../../model/workflow-ids';
import { WorkflowType, type VmClaimWorkflow } from '../../model/workflow-types';
import { CliError } from '../cli-error';

function need(problem: string | undefined): void {
  if (problem) throw new CliError(`refused: ${problem}`);
}

function parsePod(value: string): PodRef {
  const [namespace, name] = value.includes('/') ? value.split('/', 2) : ['default', value];
  const pod = { namespace, name };
  need(checkPod(pod));
  return pod;
}

async function requireNode(node: string): Promise<void> {
  need(checkNodeName(node));
  const client = await connectClient();
  if (!(await queueHasPollers(client, hostTaskQueue(node)))) {
    throw new CliError(
      `refused: no host worker polls ${hostTaskQueue(node)}; start \`xpuflow worker host --node ${node}\` there, or check the name`,
    );
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `vf attach` flags for a pod, as commander gives them: pci and vlan may be missing until checked. */
interface PodAttachFlags {
  node: string;
  pci: string;
  pod?: string;
  dpu?: string;
  dpuNamespace?: string;
  vlan: number;
  resource: string;
}

export function vfCommand(): Command {
  const vf = new Command('vf').description('SR-IOV VFs for pods (leases) and VMs (claims)');

  vf.command('list')
    .description("this host's VFs by pool, with health and lease (reads sysfs here, leases from Temporal)")
    .requiredOption('--vf-config <file>', "the host worker's VF config (pools)")
    .requiredOption('--node <node>', 'this node name', process.env.XPUFLOW_NODE_NAME)
    .option('--sysfs-root <dir>', 'root of sysfs', '/sys')
    .option('--json', 'print JSON')
    .action(listVfs);

  vf.command('attach')
    .description('lease a VF to a pod (the CNI ADD then moves it in), or claim one for a running VM')
    .requiredOption('--node <node>', 'the host node')
    .option('--pci <address>', 'pod: the VF, DDDD:BB:DD.F')
    .option('--pod <ns/name>', 'pod: the pod that gets the VF')
    .option('--dpu <dpu>', "pod: the DPU whose OPI server configures the VF's port")
    .option(
      '--dpu-namespace <ns>',
      "pod: the DPU object's namespace (its worker polls xpuflow-dpu-<dpu>.<ns>); absent: a CLI-started DPU",
    )
    .option('--vlan <id>', 'pod: the VLAN of the port', (v) => Number(v))
    .option('--resource <name>', 'pod: the resource name shown with the lease', 'xpuflow.io/cli')
    .option('--vm <name>', 'VM: the VM that gets a VF')
    .option('--pf <address>', 'VM: the PF to take (or create) a VF from')
    .option('--qmp <socket>', "VM: the VM's QMP unix socket on the node")
    .action(async (o) => {
      if (o.vm) {
        need(checkPciAddress(o.pf));
        if (!o.qmp) throw new CliError('refused: --qmp <socket> is needed with --vm');
        await requireNode(o.node);
        const client = await connectClient();
        await requireSearchAttributes(client); // a namespace not set up is named before the workflow starts
        const input: VmClaimInput = { node: o.node, pf: o.pf, vm: o.vm, qmpSocket: o.qmp };
        const workflowId = vmClaimWorkflowId(o.node, o.vm, o.pf);
        await client.workflow.start<VmClaimWorkflow>(WorkflowType.vmClaim, {
          taskQueue: CONTROL_TASK_QUEUE,
          workflowId,
          args: [input],
        });
        console.log(
          `claiming a VF of ${o.pf} for VM ${o.vm}: workflow ${workflowId}\n  ${workflowUiLink(temporalSettings(), workflowId)}`,
        );
        return;
      }
      await attachPodVf(o);
    });

  vf.command('detach')
    .description("release a pod's VF lease (both sides undone), or a VM's claim (device_del, driver back)")
    .requiredOption('--node <node>', 'the host node')
    .option('--pci <address>', 'pod: the leased VF')
    .option('--vm <name>', 'VM: the VM')
    .option('--pf <address>', 'VM: the PF its VF came from')
    .option('--wait', 'wait until released')
    .action(detach);

  vf.command('leases')
    .description('running VF leases (from Temporal visibility)')
    .option('--node <node>', 'only this node')
    .option('--json', 'print JSON')
    .action(listVfLeases);

  return vf;
}

async function listVfs(o: {
  vfConfig: string;
  node: string;
  sysfsRoot: string;
  json?: boolean;
}): Promise<void> {
  need(checkNodeName(o.node));
  const config = readVfConfig(o.vfConfig);
  const client = await connectClient();
  const rows: Array<Record<string, string>> = [];
  for (const pool of config.pools) {
    for (const v of await discoverPool(o.sysfsRoot, pool)) {
      const lease = await runningLease(client, o.node, v.pciAddress);
      rows.push({
        pool: resourceNameOf(pool),
        pci: v.pciAddress,
        pf: v.pfIfname ?? v.pf,
        vf: String(v.index),
        driver: v.driver ?? '-',
        netdev: v.netdevs.join(',') || '-',
        health: v.healthy ? 'Healthy' : `Unhealthy (${v.why})`,
        lease: lease ? `${lease.phase}${lease.pod ? ` ${podKey(lease.pod)}` : ''}` : '-',
      });
    }
  }
  if (o.json) return console.log(JSON.stringify(rows, null, 2));
  if (!rows.length) return console.log('no VF matches any pool selector on this host');
  console.log(
    table([Object.keys(rows[0]).map((k) => k.toUpperCase()), ...rows.map((r) => Object.values(r))]),
  );
}

/** Leases a VF to a pod: the lease workflow configures the xPU side; the CNI ADD then moves it in. */
async function attachPodVf(o: PodAttachFlags): Promise<void> {
  need(checkPciAddress(o.pci));
  if (!o.pod) throw new CliError('refused: --pod <ns/name> is needed (or --vm for a VM)');
  const pod = parsePod(o.pod);
  if (!o.dpu)
    throw new CliError('refused: --dpu <dpu> is needed: the DPU whose OPI server configures the port');
  need(checkVlan(o.vlan));
  if (o.dpuNamespace !== undefined) need(checkNamespace(o.dpuNamespace));
  await requireNode(o.node);
  const client = await connectClient();
  try {
    const status = await startOrJoinLease(client, {
      node: o.node,
      pciAddress: o.pci,
      resourceName: o.resource,
      xpu: {
        dpu: o.dpu,
        ...(o.dpuNamespace !== undefined ? { namespace: o.dpuNamespace } : {}),
        vlan: o.vlan,
      },
      mac: leaseMac(o.node, o.pci),
      pod,
    });
    const id = vfLeaseWorkflowId(o.node, o.pci);
    console.log(
      `VF ${o.pci} on ${o.node} leased to ${podKey(pod)} (${status.phase}); the CNI ADD attaches it\n  ${workflowUiLink(temporalSettings(), id)}`,
    );
  } catch (err) {
    if (err instanceof LeaseConflict) throw new CliError(`refused: ${err.message}`);
    throw err;
  }
}

/** `vf detach`: pci for a pod's VF, or vm and pf for a VM's (both checked before use). */
async function detach(o: {
  node: string;
  pci: string;
  vm?: string;
  pf: string;
  wait?: boolean;
}): Promise<void> {
  need(checkNodeName(o.node));
  if (o.vm) need(checkPciAddress(o.pf));
  else need(checkPciAddress(o.pci));
  const client = await connectClient();
  if (o.vm) {
    const handle = client.workflow.getHandle(vmClaimWorkflowId(o.node, o.vm, o.pf));
    const s = await handle.query(vmClaimStatusQuery).catch(() => {
      throw new CliError(`refused: VM ${o.vm} has no VF claim on ${o.node} PF ${o.pf}`);
    });
    await handle.signal(vmReleaseSignal, { reason: 'xpuflow vf detach' });
    if (o.wait) await handle.result();
    console.log(`VM ${o.vm}: VF ${s.pciAddress ?? '?'} ${o.wait ? 'released' : 'releasing'}`);
    return;
  }
  const lease = await runningLease(client, o.node, o.pci);
  if (!lease)
    throw new CliError(
      `refused: VF ${o.pci} on ${o.node} has no running lease (see \`xpuflow vf leases --node ${o.node}\`)`,
    );
  const handle = client.workflow.getHandle(vfLeaseWorkflowId(o.node, o.pci));
  if (o.wait) await handle.executeUpdate(releaseUpdate, { args: [{ reason: 'xpuflow vf detach' }] });
  else await handle.signal(releaseSignal, { reason: 'xpuflow vf detach' });
  console.log(
    `VF ${o.pci} on ${o.node}: ${o.wait ? 'released' : 'releasing'}${lease.pod ? ` (was ${podKey(lease.pod)})` : ''}`,
  );
}

async function listVfLeases(o: { node?: string; json?: boolean }): Promise<void> {
  if (o.node) need(checkNodeName(o.node));
  const client = await connectClient();
  const leases = await listLeases(client, o.node);
  if (o.json) return console.log(JSON.stringify(leases, null, 2));
  if (!leases.length) return console.log('no running VF leases');
  console.log(
    table([
      ['NODE', 'PCI', 'RESOURCE', 'PHASE', 'POD', 'IFNAME', 'BRIDGE PORT'],
      ...leases.map((l) => [
        l.node,
        l.pciAddress,
        l.resourceName,
        l.phase,
        l.pod ? podKey(l.pod) : '-',
        l.podIfname ?? '-',
        l.bridgePort ?? '-',
      ]),
    ]),
  );
}
