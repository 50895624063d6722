/**
 * The DMS pod: its image, command, args, init containers, mounts and TLS
 * material as data (chart values `dms:`), rendered into a Pod for one DPU.
 *
 * The default is NVIDIA DPF's layout for the DMS pod of its gNOI path
 * (NVIDIA/doca-platform, internal/provisioning/controllers/util/dms/util.go,
 * commit 6acfda03356adceb17657555ce4ecca01f6bb32c, CreateDMSPod): privileged,
 * host network; init containers `rshim-preflight` (`dmsinit.sh --cmd
 * check-rshim-not-occupied`) and `dms-init` (`dmsinit.sh --cmd register …`,
 * which writes dms.conf); the `dms` container starts rshim and then dmsd with
 * that dms.conf (`./rshim.sh && dmsd $(cat /opt/dpf/dms/dms.conf)`) on port
 * 9339; the shared image folder `/bfb` where DMS keeps installed images; the
 * server certificate Secret `<node>-server-secret` at /opt/dpf/dms/certs. DPF
 * runs one such pod per node; xpuflow runs one per DPU (each on its own port),
 * so `{port}`, `{pciAddress}` and the names below are per DPU.
 *
 * Placeholders in args: `{node}`, `{nodeIP}`, `{port}`, `{pciAddress}`, `{dpu}`.
 */

export interface DmsVolume {
  /** Volume name, referred to by containers' `mounts`. */
  name: string;
  /** Where containers mount it. */
  mountPath: string;
  readOnly?: boolean;
  /** A host directory or socket; else an emptyDir, or `claimName`'s PersistentVolumeClaim. */
  hostPath?: { path: string; type: 'Directory' | 'DirectoryOrCreate' | 'Socket' | 'File' };
  claimName?: string;
}

export interface DmsInitContainer {
  name: string;
  args: string[];
  /** Names of `volumes` it mounts. */
  mounts: string[];
}

export interface DmsPodLayout {
  /** `registry/name:tag` or `…@sha256:…`; a workflow's own image (controller setting) wins. */
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  command: string[];
  args: string[];
  /** Names of `volumes` the dms container mounts. */
  mounts: string[];
  initContainers: DmsInitContainer[];
  volumes: DmsVolume[];
  tls: {
    /** Secret with the DMS server's tls.crt/tls.key (`{node}`, `{dpu}` replaced); empty: no TLS material mounted. */
    serverSecret: string;
    mountPath: string;
  };
}

const DPF_INIT_SCRIPT = '/opt/dpf/dmsinit.sh';
const DPF_CONF_DIR = '/opt/dpf/dms';

/** DPF's layout (see the file comment for the source). */
export const DPF_DMS_POD_LAYOUT: DmsPodLayout = {
  // DPF's release defaults name `${HOSTDRIVER_UPSTREAM_IMAGE}:${TAG}` (internal/release/templates/defaults.yaml.tmpl,
  // same commit); its Makefile's registry default is example.com, "intentionally" not a real one: set yours.
  image: 'example.com/hostdriver:v0.1.0',
  imagePullPolicy: 'IfNotPresent',
  command: ['/bin/bash', '-c', '--'],
  args: [`./rshim.sh && /opt/mellanox/doca/services/dms/dmsd $(cat ${DPF_CONF_DIR}/dms.conf)`],
  mounts: ['bfb', 'dev', 'dms-config', 'dms-lib', 'lib-modules'],
  initContainers: [
    {
      name: 'rshim-preflight',
      args: [`${DPF_INIT_SCRIPT} --cmd check-rshim-not-occupied`],
      mounts: ['sys', 'dev', 'lib-modules'],
    },
    {
      name: 'dms-init',
      // `--external-certificate TODO` is DPF's own argument, verbatim: NVIDIA/doca-platform
      // internal/provisioning/controllers/util/dms/util.go @6acfda03356adceb17657555ce4ecca01f6bb32c
      // passes the literal word to dmsinit.sh. Kept as DPF ships it; override dms.initContainers.
      args: [
        `${DPF_INIT_SCRIPT} --cmd register --dms-conf-dir ${DPF_CONF_DIR} --dms-image-dir /bfb ` +
          '--kube-node-ref {node} --dms-port {port} --dms-ip {nodeIP} --external-certificate TODO',
      ],
      mounts: ['sys', 'dev', 'dms-config', 'lib-modules'],
    },
  ],
  volumes: [
    { name: 'bfb', mountPath: '/bfb' },
    { name: 'dev', mountPath: '/dev', hostPath: { path: '/dev', type: 'Directory' } },
    { name: 'sys', mountPath: '/sys', hostPath: { path: '/sys', type: 'Directory' } },
    { name: 'dms-config', mountPath: DPF_CONF_DIR },
    {
      name: 'dms-lib',
      mountPath: '/var/lib/dpf/dms',
      hostPath: { path: '/var/lib/dpf/dms', type: 'DirectoryOrCreate' },
    },
    {
      name: 'lib-modules',
      mountPath: '/lib/modules',
      readOnly: true,
      hostPath: { path: '/lib/modules', type: 'Directory' },
    },
  ],
  tls: { serverSecret: '{node}-server-secret', mountPath: `${DPF_CONF_DIR}/certs` },
};

/** An image reference with a tag or a digest (`name:tag`, `name@sha256:…`). */
const IMAGE_WITH_TAG = /^[^\s:@]+(:\d+)?(\/[^\s:@]+)*(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})$/;

/** A problem with `layout`, naming the field, or undefined. */
export function checkDmsPodLayout(layout: DmsPodLayout): string | undefined {
  if (!IMAGE_WITH_TAG.test(layout.image)) {
    return `dms.image ${JSON.stringify(layout.image)} needs a tag or digest (registry/name:tag)`;
  }
  if (layout.command.length === 0) return 'dms.command must name the program to run';
  const names = new Set<string>();
  for (const v of layout.volumes) {
    if (names.has(v.name)) return `dms.volumes has ${JSON.stringify(v.name)} twice`;
    names.add(v.name);
    if (v.hostPath && v.claimName) {
      return `dms.volumes ${JSON.stringify(v.name)} has both hostPath and claimName; keep one`;
    }
  }
  const containers = [{ where: 'dms.mounts', mounts: layout.mounts }].concat(
    layout.initContainers.map((c) => ({ where: `dms.initContainers ${c.name}`, mounts: c.mounts })),
  );
  for (const c of containers) {
    const unknown = c.mounts.find((m) => !names.has(m));
    if (unknown !== undefined) {
      return `${c.where} mounts ${JSON.stringify(unknown)}, which is not in dms.volumes (${[...names].join(', ')})`;
    }
  }
  return undefined;
}

/**
 * `text` (a JSON object from the chart, e.g. XPUFLOW_DMS_POD) over DPF's
 * layout; throws naming the field that is wrong.
 */
export function parseDmsPodLayout(text: string): DmsPodLayout {
  let given: unknown;
  try {
    given = JSON.parse(text);
  } catch (err) {
    throw new Error(`DMS pod layout is not JSON (${(err as Error).message}): check the chart's dms values`, {
      cause: err,
    });
  }
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new Error(`DMS pod layout must be a JSON object, got ${JSON.stringify(given)}`);
  }
  const layout = { ...DPF_DMS_POD_LAYOUT, ...(given as Partial<DmsPodLayout>) };
  layout.tls = { ...DPF_DMS_POD_LAYOUT.tls, ...((given as Partial<DmsPodLayout>).tls ?? {}) };
  const problem = checkDmsPodLayout(layout);
  if (problem) throw new Error(`DMS pod layout: ${problem}`);
  return layout;
}

/** Per-DPU facts the placeholders stand for. */
export interface DmsPodFacts {
  dpu: string;
  node: string;
  nodeIP: string;
  port: number;
  pciAddress: string;
}

export function fillPlaceholders(text: string, f: DmsPodFacts): string {
  return text
    .replaceAll('{node}', f.node)
    .replaceAll('{nodeIP}', f.nodeIP)
    .replaceAll('{port}', String(f.port))
    .replaceAll('{pciAddress}', f.pciAddress)
    .replaceAll('{dpu}', f.dpu);
}

/** A Kubernetes Pod spec (the fields xpuflow sets), for the DMS of one DPU. */
export function dmsPodSpec(layout: DmsPodLayout, image: string, f: DmsPodFacts) {
  const fill = (s: string) => fillPlaceholders(s, f);
  const byName = new Map(layout.volumes.map((v) => [v.name, v]));
  const mountsOf = (names: string[]) =>
    names.map((n) => {
      const v = byName.get(n)!; // checkDmsPodLayout: every mount names a volume
      return { name: v.name, mountPath: v.mountPath, ...(v.readOnly ? { readOnly: true } : {}) };
    });
  const serverSecret = fill(layout.tls.serverSecret);
  const tlsMount = serverSecret
    ? [{ name: 'server-volume', mountPath: layout.tls.mountPath, readOnly: true }]
    : [];
  const container = (name: string, args: string[], mounts: string[]) => ({
    name,
    image,
    imagePullPolicy: layout.imagePullPolicy,
    command: layout.command,
    args: args.map(fill),
    securityContext: { privileged: true },
    volumeMounts: mountsOf(mounts),
  });
  return {
    hostNetwork: true,
    nodeName: f.node,
    restartPolicy: 'Always',
    tolerations: [{ operator: 'Exists' }],
    initContainers: layout.initContainers.map((c) => container(c.name, c.args, c.mounts)),
    containers: [
      {
        ...container('dms', layout.args, layout.mounts),
        volumeMounts: [...tlsMount, ...mountsOf(layout.mounts)],
        ports: [{ name: 'gnoi', containerPort: f.port }],
        readinessProbe: { tcpSocket: { port: f.port }, periodSeconds: 2 },
      },
    ],
    volumes: [
      ...(serverSecret ? [{ name: 'server-volume', secret: { secretName: serverSecret } }] : []),
      ...layout.volumes.map((v) =>
        v.hostPath
          ? { name: v.name, hostPath: { path: v.hostPath.path, type: v.hostPath.type } }
          : v.claimName
            ? { name: v.name, persistentVolumeClaim: { claimName: v.claimName } }
            : { name: v.name, emptyDir: {} },
      ),
    ],
  };
}
