/**
 * The BlueField bf.cfg sent to DMS with the BFB: a bash file the BFB
 * installer sources. It sets
 * - ubuntu_PASSWORD: a crypt(3) hash, only when the spec gives one;
 * - NVCONFIG_PARAMS: mlxconfig parameters, "KEY=VALUE KEY=VALUE";
 * - the DPU's DPUFlavor (bf-cfg-flavor.ts): its bfcfgParameters among the
 *   assignments, its files written in bfb_modify_os;
 * - bfb_modify_os(): run by the installer with the new OS at /mnt: sets the
 *   hostname (default: the DPU name) and writes /etc/xpuflow/dpu.conf with
 *   the DPU's name, node and PCI address.
 *
 * Every value is validated and then single-quoted (shell-quote.ts), so even
 * a value that got past validation could not leave its quotes. Output is
 * deterministic: the same spec renders the same bytes and the same name.
 * The file name carries a hash of the content, so a changed bf.cfg is a new
 * "version" to DMS, which skips a version it already has.
 */
import { createHash } from 'node:crypto';
import type { DpuSpec } from '../../model/dpu';
import { checkDpuName, checkNodeName, checkPciAddress } from '../../model/validation';
import { BfbErrorType, nonRetryable } from './errors';
import { shAssign } from './shell-quote';
import { joinAssignments, JOIN_INSTALLER, type BfCfgJoin } from './bf-cfg-join';
import { renderFlavor } from './bf-cfg-flavor';

export interface BfCfgFile {
  /** `bf-<dpu>-<12 hex of the content's sha256>.cfg` */
  fileName: string;
  content: string;
}

const NV_KEY = /^[A-Z0-9_]+$/;
const NV_VALUE = /^[A-Za-z0-9_.:-]+$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** $id$salt$hash (md5 $1$, sha256 $5$, sha512 $6$, yescrypt $y$ ...). */
const CRYPT_HASH = /^\$[0-9a-z]{1,8}\$[./A-Za-z0-9$=,]{1,1024}$/;

function invalid(message: string): never {
  throw nonRetryable(BfbErrorType.InvalidBfCfg, `bf.cfg: ${message}`);
}

function check(problem: string | undefined): void {
  if (problem) invalid(problem);
}

function nvconfigParams(nvconfig: Record<string, string>): string {
  if (nvconfig === null || typeof nvconfig !== 'object')
    invalid('bfCfg.nvconfig must be an object of KEY: value');
  const keys = Object.keys(nvconfig).sort();
  for (const key of keys) {
    const value = nvconfig[key];
    if (!NV_KEY.test(key)) {
      invalid(
        `bfCfg.nvconfig key ${JSON.stringify(key)} is not an mlxconfig parameter (A-Z, 0-9 and _ only)`,
      );
    }
    if (typeof value !== 'string' || !NV_VALUE.test(value)) {
      invalid(
        `bfCfg.nvconfig ${key} value ${JSON.stringify(value)} is not allowed (letters, digits and _ . : - only)`,
      );
    }
  }
  return keys.map((key) => `${key}=${nvconfig[key]}`).join(' ');
}

/**
 * The bf.cfg for one DPU; with `join`, it also joins the DPU cluster at boot
 * (bf-cfg-join.ts). Throws a non-retryable InvalidBfCfg naming the bad value.
 */
export function renderBfCfg(spec: DpuSpec, join?: BfCfgJoin): BfCfgFile {
  if (spec === null || typeof spec !== 'object') invalid('the DPU spec must be an object');
  check(checkDpuName(spec.name));
  check(checkNodeName(spec.node));
  check(checkPciAddress(spec.pciAddress));
  const values = spec.bfCfg ?? {};
  const hostname = values.hostname ?? spec.name;
  if (typeof hostname !== 'string' || !HOSTNAME.test(hostname)) {
    invalid(`hostname ${JSON.stringify(hostname)} is not a valid host name (letters, digits, '-' and '.')`);
  }
  const hash = values.ubuntuPasswordHash;
  if (hash !== undefined && (typeof hash !== 'string' || !CRYPT_HASH.test(hash))) {
    // The value is not repeated: it might be a clear password.
    invalid(
      'ubuntuPasswordHash is not a crypt(3) hash ($id$salt$hash, e.g. from `openssl passwd -6`); never pass a clear password',
    );
  }
  const nvconfig = values.nvconfig === undefined ? '' : nvconfigParams(values.nvconfig);
  const flavor = renderFlavor(values.flavor);

  const lines = [
    '# bf.cfg rendered by xpuflow; sourced by the BlueField BFB installer (bash).',
    '# Generated: edit the DPU spec, not this file. Every value is single-quoted.',
    '',
    shAssign('XPUFLOW_DPU_NAME', spec.name),
    shAssign('XPUFLOW_NODE', spec.node),
    shAssign('XPUFLOW_PCI_ADDRESS', spec.pciAddress),
    shAssign('XPUFLOW_HOSTNAME', hostname),
    ...flavor.parameters,
  ];
  if (hash !== undefined) lines.push(shAssign('ubuntu_PASSWORD', hash));
  if (nvconfig !== '') lines.push(shAssign('NVCONFIG_PARAMS', nvconfig));
  if (join) lines.push('', ...joinAssignments(join), '', ...JOIN_INSTALLER);
  lines.push('', ...flavor.functions);
  lines.push(
    '# Run by the installer after the OS is written; the new root is at /mnt.',
    'bfb_modify_os()',
    '{',
    '    local root="${XPUFLOW_TARGET_ROOT:-/mnt}"',
    '    printf \'%s\\n\' "$XPUFLOW_HOSTNAME" > "$root/etc/hostname"',
    '    if ! grep -qsw -- "$XPUFLOW_HOSTNAME" "$root/etc/hosts"; then',
    '        printf \'127.0.1.1 %s\\n\' "$XPUFLOW_HOSTNAME" >> "$root/etc/hosts"',
    '    fi',
    '    mkdir -p "$root/etc/xpuflow"',
    '    {',
    '        printf \'DPU_NAME=%q\\n\' "$XPUFLOW_DPU_NAME"',
    '        printf \'NODE=%q\\n\' "$XPUFLOW_NODE"',
    '        printf \'PCI_ADDRESS=%q\\n\' "$XPUFLOW_PCI_ADDRESS"',
    '    } > "$root/etc/xpuflow/dpu.conf"',
    ...(join ? ['    xpuflow_install_join "$root"'] : []),
    ...flavor.modifyOs,
    '}',
    '',
  );
  const content = lines.join('\n');
  const digest = createHash('sha256').update(content).digest('hex').slice(0, 12);
  return { fileName: `bf-${spec.name}-${digest}.cfg`, content };
}

/**
 * The version name DMS knows a BFB by: its file name (what OS.Verify
 * reports after the flash). Accepts a bare name or a path.
 */
export function bfbVersionOf(fileName: string): string {
  const base = typeof fileName === 'string' ? (fileName.split(/[\\/]/).pop() ?? '') : '';
  if (base === '' || base === '.' || base === '..') {
    throw nonRetryable(BfbErrorType.InvalidBfCfg, `BFB file name ${JSON.stringify(fileName)} names no file`);
  }
  return base;
}
