/**
 * `xpuflow worker control|host|dpu|guest`: run one of the worker processes in
 * the foreground. Each loads its own worker's modules when it runs (`await
 * import`), not the others': the guest side alone brings the Kubernetes client
 * into a control worker that may never use it (cli/command-table.ts).
 */
import { Command } from 'commander';
import { CONTROL_TUNING_DEFAULTS, TUNING_SETTINGS, tuningFrom } from '../workers/worker-tuning';
import {
  CONTROL_PROCESS_MEMORY,
  HEAP_GROWING_ENV,
  HEAP_GROWING_FLAG,
  heapGrowingPercentFrom,
} from '../workers/control/process-memory';

export function workerCommand(): Command {
  return new Command('worker')
    .description(
      'run an xpuflow worker (Temporal connection from the environment):\n' +
        '  control  all workflows; activities for Kubernetes, Argo CD, DMS, BFB downloads\n' +
        '  host     one per host node: sysfs SR-IOV, VF attach (CNI), VM claims (QMP)\n' +
        "  dpu      one per DPU: the xPU's OPI calls, OVS ports and flows (chains)\n" +
        '  guest    in a guest cluster: its VFClaims, carried to the host through Temporal\n' +
        'control and host log JSON lines (XPUFLOW_LOG_FORMAT=text for plain text,\n' +
        'XPUFLOW_LOG_LEVEL=DEBUG|INFO|WARN|ERROR)',
    )
    .addCommand(controlWorkerCommand())
    .addCommand(hostWorkerCommand())
    .addCommand(dpuWorkerCommand())
    .addCommand(guestWorkerCommand());
}

function guestWorkerCommand(): Command {
  return new Command('guest')
    .description(
      "the guest side, run in a guest cluster with that cluster's credentials only (XPUFLOW_KUBECONFIG, " +
        'KUBECONFIG or in-cluster): the VFClaim controller, which starts a vfClaim workflow per claim and ' +
        'signals its release on delete, and the worker of queue xpuflow-guest-<cluster>, which writes the ' +
        "claims' status as the host reports it. The host's credentials never reach it: the host side runs " +
        'in the control worker (the mirror VFClaim) and the host worker (VF, vfio-pci, QMP)',
    )
    .option(
      '--cluster <name>',
      "this guest cluster's name, unique among one host's guests (default $XPUFLOW_GUEST_CLUSTER)",
    )
    .option(
      '-n, --namespace <ns>',
      "the guest namespace whose VFClaims are carried (default $XPUFLOW_WATCH_NAMESPACE, the kubeconfig's, or default)",
    )
    .action(async (o) => {
      const { runGuestSide } = await import('../workers/guest/main');
      await runGuestSide({ cluster: o.cluster, namespace: o.namespace });
    });
}

function withMetrics(command: Command): Command {
  return command.option(
    '--metrics <host:port>',
    'serve Prometheus /metrics there (default $XPUFLOW_METRICS_ADDRESS; none)',
  );
}

function controlWorkerCommand(): Command {
  return withMetrics(
    withTuning(new Command('control'))
      .description(
        'the control worker (queue xpuflow-control): every workflow, and the activities that reach the ' +
          'Kubernetes clusters (DPU objects, node effect, DPU clusters, service credentials), Argo CD ' +
          '(DPU services), DMS over gNOI and BFB downloads',
      )
      .option(
        '--bfb-cache <dir>',
        'where downloaded BFBs are cached (default .xpuflow/bfb-cache or $XPUFLOW_BFB_CACHE)',
      )
      .option(
        `${HEAP_GROWING_FLAG} <n>`,
        "how much V8's old generation may grow after a full collection, in percent; 0: V8's own " +
          `(default ${CONTROL_PROCESS_MEMORY.heapGrowingPercent}, or $${HEAP_GROWING_ENV}). Set at start: ` +
          `NODE_OPTIONS=--max-semi-space-size=${CONTROL_PROCESS_MEMORY.semiSpaceMiB} and ` +
          `MALLOC_ARENA_MAX=${CONTROL_PROCESS_MEMORY.mallocArenaMax}, as the chart does (README "Worker tuning")`,
      ),
  ).action(async (o) => {
    const tuning = tuningFrom(Object.fromEntries(TUNING_SETTINGS.map((s) => [s.key, o[s.key]])));
    const heapGrowingPercent = heapGrowingPercentFrom(o.heapGrowingPercent);
    const { runControlWorker } = await import('../workers/control/main');
    await runControlWorker({
      bfbCacheDir: o.bfbCache,
      metricsAddress: o.metrics,
      tuning,
      heapGrowingPercent,
    });
  });
}

/** The tuning flags (workers/worker-tuning.ts), each saying its variable and its default. */
function withTuning(command: Command): Command {
  for (const s of TUNING_SETTINGS) {
    const d = CONTROL_TUNING_DEFAULTS[s.key];
    command.option(`${s.flag} <n>`, `${s.help} (default ${d ?? "the SDK's"}, or $${s.env})`);
  }
  return command;
}

function hostWorkerCommand(): Command {
  return withMetrics(
    new Command('host')
      .description(
        "a host worker, one per host node (queue xpuflow-host-<node>): this node's sysfs SR-IOV, the netns " +
          'moves of VF attach (CNI), vfio-pci binding and QMP hot-plug of VM claims; with --vf-config also ' +
          'the host agent socket for xpuflow-cni, the kubelet device plugins and the lease collector; and node ' +
          "discovery of this host's DPUs into its Node's labels",
      )
      .requiredOption('--node <node>', 'this node name', process.env.XPUFLOW_NODE_NAME)
      .option('--sysfs-root <dir>', 'root of sysfs', '/sys'),
  )
    .option(
      '--vf-config <file>',
      'VF attach: host agent socket, device plugin pools, lease collector (see README)',
    )
    .option(
      '--discovery-interval <seconds>',
      'node discovery: scan sysfs for BlueField-2/-3 (and --xpu-id) cards at start and every SECONDS, ' +
        "keeping this node's dpu.xpuflow.dev/pci-address-<n> labels true; 0 turns it off. Needs a " +
        'Kubernetes cluster (XPUFLOW_KUBECONFIG, KUBECONFIG or in-cluster)',
      '30',
    )
    .option(
      '--discovery-remove-after <seconds>',
      'how long a card that vanished from sysfs keeps its label (a BlueField can drop off the bus while ' +
        'its firmware resets or it reboots; a label removed then would make its DPUSet delete the DPU)',
      '300',
    )
    .option(
      '--xpu-id <vendor:device=model>',
      'another xPU to discover, e.g. 0x15b3:0xa2df=BlueField-4 (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      '--qmp-dir <dir>',
      "where this node's VMs have their QMP sockets, <dir>/<vm>.qmp (guest-cluster VFClaims)",
      '/run/xpuflow/qmp',
    )
    .action(async (o) => {
      const { parseDiscoveryInterval, parseRemoveAfter } = await import('../workers/host/discovery');
      const { runHostWorker } = await import('../workers/host/main');
      await runHostWorker({
        node: o.node,
        sysfsRoot: o.sysfsRoot,
        metricsAddress: o.metrics,
        vf: o.vfConfig,
        qmpDir: o.qmpDir,
        discovery: {
          intervalSeconds: parseDiscoveryInterval(o.discoveryInterval),
          removeAfterSeconds: parseRemoveAfter(o.discoveryRemoveAfter),
          xpuIds: o.xpuId,
        },
      });
    });
}

function dpuWorkerCommand(): Command {
  return new Command('dpu')
    .description(
      "a DPU worker, one per DPU: the xPU's OPI calls for VF leases, OVS ports and flows of service chains. " +
        'It polls xpuflow-dpu-<dpu>.<namespace> for a DPU object (--dpu with --namespace, or --dpu-node), ' +
        'xpuflow-dpu-<dpu> for a DPU started by `xpuflow dpu provision` (--dpu alone)',
    )
    .option('--dpu <dpu>', 'the DPU name')
    .option(
      '-n, --namespace <ns>',
      "the DPU object's namespace on the host cluster (absent: a CLI-started DPU)",
    )
    .option(
      '--dpu-node <node>',
      "instead of --dpu and --namespace: the DPU's node name in its DPU cluster (<dpu>.<namespace>), as the chart passes it",
    )
    .requiredOption('--opi <host:port>', "the DPU's OPI server")
    .option('--ovs-db <remote>', "the DPU's ovsdb", 'unix:/var/run/openvswitch/db.sock')
    .option(
      '--ovs-rundir <dir>',
      "ovs-vswitchd's rundir (<bridge>.mgmt sockets; default: the db socket's directory)",
    )
    .option('--ovs-datapath <type>', 'datapath_type of bridges it creates (netdev: userspace)')
    .action(async (o) => {
      const { runDpuWorkers } = await import('../workers/dpu/main');
      await runDpuWorkers([
        {
          ...(o.dpu !== undefined ? { dpu: o.dpu } : {}),
          ...(o.namespace !== undefined ? { dpuNamespace: o.namespace } : {}),
          ...(o.dpuNode !== undefined ? { dpuNode: o.dpuNode } : {}),
          opiAddress: o.opi,
          ovsDb: o.ovsDb,
          ...(o.ovsRundir ? { ovsRundir: o.ovsRundir } : {}),
          ...(o.ovsDatapath ? { ovsDatapathType: o.ovsDatapath } : {}),
        },
      ]);
    });
}
