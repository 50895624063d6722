/**
 * The names mlxconfig accepts in `mlxconfig set NAME=VALUE`, built from its
 * own parameter database (model/mlxconfig-params.ts, generated from Debian's
 * mstflint by scripts/mlxconfig-params.sh): a parameter of a per-port TLV is
 * NAME_P1..NAME_P<MLXCONFIG_MAX_PORT>, of a per-module TLV NAME_M0, NAME_M1,
 * any other plain NAME; an array parameter is set element by element,
 * `<name>[i]` with i below its length. The DPUFlavor CRD's CEL rule holds the
 * same list (test/unit/mlxconfig-params.test.ts keeps them in step).
 */
import { MLXCONFIG_MAX_PORT, MLXCONFIG_MODULES, MLXCONFIG_PARAMS } from './mlxconfig-params';

/** TLV classes whose parameters mlxconfig names with a port or module suffix (mstflint mlxcfg_tlv.cpp). */
const PHYSICAL_PORT = 1;
const MODULE = 9;

/** Every spelling mlxconfig accepts, in the order the CRD's rule lists them. */
export function mlxconfigSpellings(): string[] {
  return Object.keys(MLXCONFIG_PARAMS)
    .sort()
    .flatMap((name) => {
      const { arrayLength, tlvClass } = MLXCONFIG_PARAMS[name];
      const bases =
        tlvClass === PHYSICAL_PORT
          ? Array.from({ length: MLXCONFIG_MAX_PORT }, (_, p) => `${name}_P${p + 1}`)
          : tlvClass === MODULE
            ? MLXCONFIG_MODULES.map((m) => `${name}_M${m}`)
            : [name];
      return bases.flatMap((b) =>
        arrayLength === 0 ? [b] : Array.from({ length: arrayLength }, (_, i) => `${b}[${i}]`),
      );
    });
}

let known: ReadonlySet<string> | undefined;

/**
 * The name (everything before the first `=`) of an nvconfig `NAME=VALUE`
 * parameter that mlxconfig would not accept, or undefined when it would.
 */
export function unknownNvconfigName(parameter: string): string | undefined {
  known ??= new Set(mlxconfigSpellings());
  const name = parameter.split('=', 1)[0];
  return known.has(name) ? undefined : name;
}
