/**
 * A DPUFlavor rendered into the bf.cfg, as NVIDIA DPF renders it
 * (NVIDIA/doca-platform internal/provisioning/controllers/dpu/bfcfg/bfcfg.go
 * and bf.cfg.template @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f):
 *
 * - `bfcfgParameters`: `KEY=VALUE` lines at the top of the file (DPF's
 *   BFGCFGParams), here `KEY='VALUE'`;
 * - `grub.kernelParameters`: /etc/default/grub.d/99-dpf.cfg with
 *   GRUB_CMDLINE_LINUX="…", then update-grub on first boot (DPF's restart.sh);
 * - `sysctl.parameters`: /etc/sysctl.d/99-dpf.conf;
 * - `nvconfig[0].parameters`: /opt/dpf/set-nvconfig-params.sh, `mlxconfig -d
 *   <dev> -y set …` for every /dev/mst device;
 * - `ovs.rawConfigScript`: /opt/dpf/ovs.sh;
 * - `configFiles`: each file written (override) or appended to, with its mode;
 * - `containerdConfig.registryEndpoint`: /opt/dpf/config_containerd.sh, the
 *   nvcr.io mirror, then containerd restarted.
 *
 * DPF runs the scripts from cloud-init's runcmd; here one systemd oneshot
 * (/opt/dpf/xpuflow-flavor.sh, enabled by a symlink) runs them in DPF's
 * order on the first boot, so the flavor owns its first-boot step apart from
 * whatever else bf-cfg.ts renders.
 *
 * Nothing a field holds can leave its place: every file's content is ONE
 * single-quoted shell word (shell-quote.ts) passed to `xpuflow_flavor_file`,
 * so `'`, `$(…)`, backticks, `EOF` or a newline followed by anything stay
 * data. What is then interpreted again on the DPU (a kernel parameter inside
 * GRUB_CMDLINE_LINUX="…", an mlxconfig argument, the registry URL inside
 * sed) is first checked against FLAVOR_PATTERNS (model/dpu-flavor.ts, the
 * CRD's patterns too) and refused naming the field; an mlxconfig parameter
 * must also name one mlxconfig knows (unknownNvconfigName).
 */
import {
  FLAVOR_PATTERNS,
  RESERVED_BFCFG_KEYS,
  type DpuFlavorConfigFile,
  type DpuFlavorContent,
} from '../../model/dpu-flavor';
import { unknownNvconfigName } from '../../model/mlxconfig-names';
import { MLXCONFIG_SOURCE } from '../../model/mlxconfig-params';
import { BfbErrorType, nonRetryable } from './errors';
import { shAssign, shQuote } from './shell-quote';

/** What bf-cfg.ts puts in the file: lines at the top, a function to define, lines inside bfb_modify_os. */
export interface FlavorBfCfg {
  parameters: string[];
  functions: string[];
  modifyOs: string[];
}

const MAX_TEXT = 65536;
const re = Object.fromEntries(Object.entries(FLAVOR_PATTERNS).map(([k, v]) => [k, new RegExp(v)])) as Record<
  keyof typeof FLAVOR_PATTERNS,
  RegExp
>;

function refuse(field: string, value: unknown, rule: string): never {
  const shown = typeof value === 'string' && value.length > 80 ? `${value.slice(0, 80)}…` : value;
  throw nonRetryable(
    BfbErrorType.InvalidBfCfg,
    `bf.cfg: DPUFlavor ${field} ${JSON.stringify(shown)} ${rule}: fix the DPUFlavor (create a new one)`,
  );
}

function strings(field: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) refuse(field, value, 'must be a list of strings');
  value.forEach((v, i) => {
    if (typeof v !== 'string') refuse(`${field}[${i}]`, v, 'must be a string');
  });
  return value as string[];
}

function matching(field: string, values: string[], pattern: RegExp, rule: string): string[] {
  values.forEach((v, i) => {
    if (!pattern.test(v)) refuse(`${field}[${i}]`, v, rule);
  });
  return values;
}

function text(field: string, value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') refuse(field, value, 'must be a string');
  if (value.length > MAX_TEXT) refuse(field, value, `is over ${MAX_TEXT} characters`);
  if (value.includes('\0')) refuse(field, value, 'holds a NUL byte, which no file on the DPU can take here');
  return value;
}

function object(field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    refuse(field, value, 'must be an object');
  return value as Record<string, unknown>;
}

/** One file on the DPU: `xpuflow_flavor_file PATH MODE CONTENT [append]`, every argument one quoted word. */
function fileLine(path: string, mode: string, content: string, append = false): string {
  return `    xpuflow_flavor_file ${shQuote(path)} ${shQuote(mode)} ${shQuote(content)}${append ? ' append' : ''}`;
}

function configFile(i: number, f: unknown): { path: string; mode: string; raw: string; append: boolean } {
  const field = `configFiles[${i}]`;
  const file = object(field, f) as DpuFlavorConfigFile;
  const path = file.path;
  if (typeof path !== 'string' || !re.configFilePath.test(path))
    refuse(`${field}.path`, path, 'must be an absolute path of letters, digits and . _ @ + - /');
  if (path.split('/').some((s) => s === '..' || s === '.'))
    refuse(`${field}.path`, path, 'must not hold a "." or ".." segment');
  const op = file.operation ?? 'override';
  if (op !== 'override' && op !== 'append') refuse(`${field}.operation`, op, 'must be override or append');
  const mode = file.permissions ?? '0644';
  if (typeof mode !== 'string' || !re.permissions.test(mode))
    refuse(`${field}.permissions`, mode, 'must be an octal mode such as "0644"');
  return { path, mode, raw: text(`${field}.raw`, file.raw), append: op === 'append' };
}

/** DPF's config_containerd.sh (bf.cfg.template, commit above) with the endpoint as a quoted variable. */
function containerdScript(endpoint: string): string {
  const mirrors = `\\[plugins\\."'"$CONTAINERD_PATH"'"\\.registry\\.mirrors`;
  const configs = `\\[plugins\\."'"$CONTAINERD_PATH"'"\\.registry\\.configs`;
  return [
    '#!/bin/bash',
    shAssign('ENDPOINT', endpoint),
    'CONFIG_FILE="/etc/containerd/config.toml"',
    '[ -f "$CONFIG_FILE" ] || exit 1',
    "CONTAINERD_VERSION=$(containerd --version | awk '{print $3}' | cut -d '.' -f1,2)",
    '[ -n "$CONTAINERD_VERSION" ] || exit 1',
    'if (( $(echo "$CONTAINERD_VERSION >= 2" | bc -l) )); then',
    '    CONTAINERD_PATH="io.containerd.cri.v1.images"',
    'else',
    '    CONTAINERD_PATH="io.containerd.grpc.v1.cri"',
    'fi',
    `if grep -q '${configs}\\."nvcr.io"\\.tls\\]' "$CONFIG_FILE"; then`,
    `    sed -i '/${configs}\\."nvcr.io"\\.tls\\]/,+1 s/insecure_skip_verify = .*/insecure_skip_verify = true/' "$CONFIG_FILE"`,
    'else',
    `    sed -i '/^[[:space:]]*#[[:space:]]*${configs}\\]/s/^[[:space:]]*#//; /${configs}\\]/a \\ \\ \\ \\ \\ \\ \\ \\ ${configs}\\."nvcr.io"\\.tls\\]\\n\\ \\ \\ \\ \\ \\ \\ \\ \\ \\ insecure_skip_verify = true' "$CONFIG_FILE"`,
    'fi',
    `if grep -q '${mirrors}\\."nvcr.io"\\]' "$CONFIG_FILE"; then`,
    `    sed -i '/${mirrors}\\."nvcr.io"\\]/,+1 s|endpoint = .*|endpoint = ["'"$ENDPOINT"'"]|' "$CONFIG_FILE"`,
    'else',
    `    sed -i '/${mirrors}\\]/a \\ \\ \\ \\ \\ \\ \\ \\ ${mirrors}\\."nvcr.io"\\]\\n\\ \\ \\ \\ \\ \\ \\ \\ \\ \\ endpoint = ["'"$ENDPOINT"'"]' "$CONFIG_FILE"`,
    'fi',
    '',
  ].join('\n');
}

/** The flavor's part of the bf.cfg. Throws a non-retryable InvalidBfCfg naming the field and value. */
export function renderFlavor(flavor: DpuFlavorContent | undefined): FlavorBfCfg {
  const out: FlavorBfCfg = { parameters: [], functions: [], modifyOs: [] };
  if (flavor === undefined) return out;
  const f = object('spec', flavor) as DpuFlavorContent;

  for (const [i, p] of strings('bfcfgParameters', f.bfcfgParameters).entries()) {
    if (!re.bfcfgParameter.test(p))
      refuse(`bfcfgParameters[${i}]`, p, 'must be one line KEY=VALUE with KEY a shell variable name');
    const eq = p.indexOf('=');
    const key = p.slice(0, eq);
    if (RESERVED_BFCFG_KEYS.test(key))
      refuse(`bfcfgParameters[${i}]`, p, `sets ${key}, which xpuflow or bash itself owns`);
    out.parameters.push(shAssign(key, p.slice(eq + 1)));
  }

  const kernel = matching(
    'grub.kernelParameters',
    strings('grub.kernelParameters', object('grub', f.grub).kernelParameters),
    re.kernelParameter,
    'must be one kernel parameter: letters, digits and _ . , : = / + @ % - only',
  );
  const sysctl = matching(
    'sysctl.parameters',
    strings('sysctl.parameters', object('sysctl', f.sysctl).parameters),
    re.sysctlParameter,
    'must be one line key=value',
  );
  const nvconfigs = f.nvconfig === undefined ? [] : f.nvconfig;
  if (!Array.isArray(nvconfigs)) refuse('nvconfig', nvconfigs, 'must be a list');
  if (nvconfigs.length > 1)
    refuse(
      'nvconfig',
      `${nvconfigs.length} entries`,
      'must have at most one entry, for every device ("*"), as DPF',
    );
  const nv = object('nvconfig[0]', nvconfigs[0]);
  if (nv.device !== undefined && nv.device !== '*')
    refuse('nvconfig[0].device', nv.device, 'must be "*" (every device), as DPF\'s webhook requires');
  const nvParams = matching(
    'nvconfig[0].parameters',
    strings('nvconfig[0].parameters', nv.parameters),
    re.nvconfigParameter,
    'is not an mlxconfig NAME=VALUE or NAME[i]=VALUE (NAME in A-Z, a-z, 0-9, _; VALUE letters, digits and _ . : + -)',
  );
  nvParams.forEach((p, i) => {
    const unknown = unknownNvconfigName(p);
    if (unknown !== undefined)
      refuse(
        `nvconfig[0].parameters[${i}]`,
        p,
        `names ${unknown}, which is not among the parameters mlxconfig knows (mstflint ${MLXCONFIG_SOURCE.version}, model/mlxconfig-params.ts; a per-port parameter is NAME_P1.., an array is set as NAME[i])`,
      );
  });
  const ovs = text('ovs.rawConfigScript', object('ovs', f.ovs).rawConfigScript);
  const endpoint = object('containerdConfig', f.containerdConfig).registryEndpoint;
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !re.registryEndpoint.test(endpoint)))
    refuse('containerdConfig.registryEndpoint', endpoint, 'must be http(s)://host[:port][/path]');
  const filesIn = f.configFiles === undefined ? [] : f.configFiles;
  if (!Array.isArray(filesIn)) refuse('configFiles', filesIn, 'must be a list');
  const files = filesIn.map((file, i) => configFile(i, file));

  const writes: string[] = [];
  const firstBoot: string[] = [];
  if (nvParams.length > 0) {
    writes.push(
      fileLine(
        '/opt/dpf/set-nvconfig-params.sh',
        '0755',
        [
          '#! /bin/bash',
          'set -e',
          'for dev in /dev/mst/*; do',
          '  echo "set NVConfig on dev ${dev}"',
          `  mlxconfig -d "\${dev}" -y set ${nvParams.map(shQuote).join(' ')}`,
          'done',
          'echo "Finished setting nvconfig parameters"',
          '',
        ].join('\n'),
      ),
    );
    firstBoot.push('/opt/dpf/set-nvconfig-params.sh');
  }
  if (sysctl.length > 0) writes.push(fileLine('/etc/sysctl.d/99-dpf.conf', '0644', `${sysctl.join('\n')}\n`));
  if (kernel.length > 0) {
    writes.push(
      fileLine('/etc/default/grub.d/99-dpf.cfg', '0644', `GRUB_CMDLINE_LINUX="${kernel.join(' ')}"\n`),
    );
  }
  for (const file of files) writes.push(fileLine(file.path, file.mode, file.raw, file.append));
  if (ovs !== '') {
    writes.push(fileLine('/opt/dpf/ovs.sh', '0755', `#! /bin/bash\nset -e\n${ovs}\n`));
    firstBoot.push('/opt/dpf/ovs.sh');
  }
  if (endpoint !== undefined) {
    writes.push(fileLine('/opt/dpf/config_containerd.sh', '0755', containerdScript(endpoint)));
    firstBoot.push('/opt/dpf/config_containerd.sh', 'systemctl restart containerd');
  }
  if (sysctl.length > 0) firstBoot.push('sysctl --system');
  if (kernel.length > 0) firstBoot.push('update-grub');
  if (writes.length === 0) return out;

  out.functions.push(
    '# Writes one DPUFlavor file under the new root: path, octal mode, content, and "append" to add to it.',
    'xpuflow_flavor_file()',
    '{',
    '    local dest="${XPUFLOW_TARGET_ROOT:-/mnt}$1"',
    '    mkdir -p "$(dirname "$dest")"',
    '    if [ "${4:-}" = append ]; then',
    '        printf \'%s\' "$3" >> "$dest"',
    '    else',
    '        printf \'%s\' "$3" > "$dest"',
    '    fi',
    '    chmod "$2" "$dest"',
    '}',
    '',
  );
  out.modifyOs.push('    # DPUFlavor', ...writes);
  if (firstBoot.length > 0) {
    out.modifyOs.push(
      fileLine(
        '/opt/dpf/xpuflow-flavor.sh',
        '0755',
        ['#! /bin/bash', 'set -e', ...firstBoot, 'touch /opt/dpf/xpuflow-flavor.done', ''].join('\n'),
      ),
      fileLine(
        '/etc/systemd/system/xpuflow-flavor.service',
        '0644',
        [
          '[Unit]',
          'Description=Apply the DPUFlavor once (nvconfig, OVS, containerd, sysctl, grub)',
          'After=network-online.target containerd.service openvswitch-switch.service',
          'Wants=network-online.target',
          'ConditionPathExists=!/opt/dpf/xpuflow-flavor.done',
          '',
          '[Service]',
          'Type=oneshot',
          'ExecStart=/bin/bash /opt/dpf/xpuflow-flavor.sh',
          '',
          '[Install]',
          'WantedBy=multi-user.target',
          '',
        ].join('\n'),
      ),
      '    mkdir -p "$root/etc/systemd/system/multi-user.target.wants"',
      '    ln -sf /etc/systemd/system/xpuflow-flavor.service "$root/etc/systemd/system/multi-user.target.wants/xpuflow-flavor.service"',
    );
  }
  return out;
}
