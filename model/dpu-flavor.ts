/**
 * What a DPUFlavor says about a DPU's OS besides its image, field for field
 * NVIDIA DPF's DPUFlavorSpec (NVIDIA/doca-platform
 * api/provisioning/v1alpha1/dpuflavor_types.go @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f).
 * It travels in the DPU's spec to the bf.cfg renderer
 * (activities/bfb/bf-cfg-flavor.ts); the CRD refuses malformed values first
 * (charts/xpuflow/crds/provisioning.xpuflow.dev_dpuflavors.yaml).
 */

export interface DpuFlavorContent {
  /** `KEY=VALUE` lines at the top of the bf.cfg (BFB installer variables, e.g. `UPDATE_DPU_OS=yes`). */
  bfcfgParameters?: string[];
  /** Kernel command line of the DPU OS (GRUB_CMDLINE_LINUX in /etc/default/grub.d/99-dpf.cfg). */
  grub?: { kernelParameters?: string[] };
  /** `key=value` lines of /etc/sysctl.d/99-dpf.conf. */
  sysctl?: { parameters?: string[] };
  /** mlxconfig parameters (`KEY=VALUE`); at most one entry, for every device ("*"), as DPF's webhook allows. */
  nvconfig?: DpuFlavorNvConfig[];
  /** A script run on the DPU's first boot to configure OVS (/opt/dpf/ovs.sh). */
  ovs?: { rawConfigScript?: string };
  /** Files written on the DPU. */
  configFiles?: DpuFlavorConfigFile[];
  /** The nvcr.io mirror containerd pulls through. */
  containerdConfig?: { registryEndpoint?: string };
  /** Resources a DPU must have for this flavor (kept for scheduling; not rendered). */
  dpuResources?: Record<string, string | number>;
  /** Resources the DPU's system keeps (not rendered); needs dpuResources. */
  systemReservedResources?: Record<string, string | number>;
}

export interface DpuFlavorNvConfig {
  /** "*" (every device); DPF's webhook accepts nothing else. */
  device?: string;
  /** `KEY=VALUE` mlxconfig parameters, e.g. `SRIOV_EN=1`. */
  parameters?: string[];
  hostPowerCycleRequired?: boolean;
}

export interface DpuFlavorConfigFile {
  /** Absolute path on the DPU. */
  path?: string;
  /** override (default) or append. */
  operation?: 'override' | 'append';
  raw?: string;
  /** Octal mode, e.g. "0644". */
  permissions?: string;
}

/** The fields of a flavor that reach the DPU through its bf.cfg, in a stable order (numVfs aside). */
export function flavorContentOf(spec: DpuFlavorContent): DpuFlavorContent {
  const out: DpuFlavorContent = {};
  if (spec.bfcfgParameters?.length) out.bfcfgParameters = spec.bfcfgParameters;
  if (spec.grub?.kernelParameters?.length) out.grub = { kernelParameters: spec.grub.kernelParameters };
  if (spec.sysctl?.parameters?.length) out.sysctl = { parameters: spec.sysctl.parameters };
  if (spec.nvconfig?.length) out.nvconfig = spec.nvconfig;
  if (spec.ovs?.rawConfigScript) out.ovs = { rawConfigScript: spec.ovs.rawConfigScript };
  if (spec.configFiles?.length) out.configFiles = spec.configFiles;
  if (spec.containerdConfig?.registryEndpoint)
    out.containerdConfig = { registryEndpoint: spec.containerdConfig.registryEndpoint };
  return out;
}

/**
 * The shapes a flavor's values must have, the same in the CRD's OpenAPI
 * patterns (so the API server refuses them, naming the field) and in the
 * renderer (which checks again before anything is written). Each keeps out
 * what could change the meaning of the bf.cfg or of the file it lands in:
 * quotes, `$`, backticks, backslashes, newlines.
 */
export const FLAVOR_PATTERNS = {
  /** `KEY=VALUE`: a shell variable name; the value is single-quoted when rendered, so only a newline is refused. */
  bfcfgParameter: '^[A-Za-z_][A-Za-z0-9_]*=.*$',
  /** One kernel parameter: no space, quote, `$`, backtick, backslash or `;` (GRUB_CMDLINE_LINUX is sourced by grub-mkconfig). */
  kernelParameter: '^[A-Za-z0-9_.,:=/+@%-]+$',
  /** One sysctl line, `key = value`, on one line. */
  sysctlParameter: '^[A-Za-z0-9_./*-]+ *= *[^\\n\\r]*$',
  /**
   * mlxconfig's `NAME=VALUE` or `NAME[i]=VALUE` (an element of an array parameter): the name in mlxconfig's
   * own spelling (upper case, but for a few like EXP_ROM_UEFI_x86_ENABLE) and a plain value. Which names
   * exist is model/mlxconfig-names.ts (the CRD's CEL rule and the renderer check that too).
   */
  nvconfigParameter: '^[A-Z][A-Za-z0-9_]*(\\[[0-9]+\\])?=[A-Za-z0-9_.:+-]+$',
  /** An absolute path of plain segments (`..` is refused by a CEL rule and by the renderer). */
  configFilePath: '^/[A-Za-z0-9._@+/-]+$',
  permissions: '^0?[0-7]{3}$',
  /** http(s)://host[:port][/path]: no `|`, `&`, quote or space (it lands in a sed expression, as DPF's script has it). */
  registryEndpoint: '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$',
} as const;

/** bf.cfg variables a flavor may not set: xpuflow's own, and those that change how bash itself runs. */
export const RESERVED_BFCFG_KEYS =
  /^(XPUFLOW_[A-Za-z0-9_]*|PATH|IFS|BASH_ENV|ENV|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|CDPATH|GLOBIGNORE|LD_PRELOAD|LD_LIBRARY_PATH)$/;
