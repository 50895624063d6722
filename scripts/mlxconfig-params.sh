#!/usr/bin/env bash
# The firmware parameter names mlxconfig knows, from its own database in
# Debian's mstflint package (/usr/share/mstflint/mlxconfig_dbs/mlxconfig_host.db,
# SQLite, table params, column mlxconfig_name; array_length > 0 marks an array
# parameter, which mlxconfig sets element by element as NAME[i]; the class of
# the parameter's TLV (table tlvs) says whether mlxconfig adds a port or module
# suffix, NAME_P1 or NAME_M0).
# `apt-get download` fetches the .deb and `dpkg -x` unpacks it into a cache
# outside the repository (about 2 MB); nothing is installed.
#
#   scripts/mlxconfig-params.sh           print the database's path (fetching it once)
#   scripts/mlxconfig-params.sh --names   print "NAME<TAB>array_length<TAB>TLV class" lines, sorted (C order)
#   scripts/mlxconfig-params.sh --write   regenerate model/mlxconfig-params.ts and the DPUFlavor
#                                         CRD's CEL rule that refuses unknown names
#
#   MSTFLINT_VERSION         Debian version to fetch (default below; the generated file names it)
#   XPUFLOW_MSTFLINT_CACHE   cache root (default ~/.cache/xpuflow/mstflint)
#
# Progress goes to stderr; stdout is only what the mode prints.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { echo "mlxconfig-params: $*" >&2; }

VERSION="${MSTFLINT_VERSION:-4.21.0+1-1}"
CACHE_ROOT="${XPUFLOW_MSTFLINT_CACHE:-$HOME/.cache/xpuflow/mstflint}/$VERSION"
DB_IN_DEB="usr/share/mstflint/mlxconfig_dbs/mlxconfig_host.db"
DB="$CACHE_ROOT/root/$DB_IN_DEB"

fetch() {
  [[ -f "$DB" ]] && return 0
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    log "apt-get and dpkg-deb are needed to fetch Debian's mstflint $VERSION"
    exit 1
  fi
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  # The package index may not know the package yet (a fresh container): update it once and try again.
  if ! (cd "$work" && apt-get download "mstflint=$VERSION" >&2 2>/dev/null); then
    if [[ $(id -u) -ne 0 ]]; then
      log "apt-get download mstflint=$VERSION failed and apt-get update needs root; run 'apt-get update' as root (or set MSTFLINT_VERSION to a version 'apt-cache policy mstflint' lists)"
      exit 1
    fi
    log "apt-get update (the package index does not know mstflint=$VERSION yet)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    (cd "$work" && apt-get download "mstflint=$VERSION" >&2) || {
      log "Debian has no mstflint $VERSION here ('apt-cache policy mstflint' lists what it has); set MSTFLINT_VERSION"
      exit 1
    }
  fi
  rm -rf "$CACHE_ROOT/root"
  mkdir -p "$CACHE_ROOT"
  dpkg-deb -x "$work"/mstflint_*.deb "$CACHE_ROOT/root"
  if [[ ! -f "$DB" ]]; then
    log "$(basename "$work"/mstflint_*.deb) holds no $DB_IN_DEB"
    exit 1
  fi
  log "extracted mstflint $VERSION into $CACHE_ROOT/root"
}

fetch
case "${1:-}" in
  "") echo "$DB" ;;
  --names | --write)
    python3 - "$1" "$DB" "$VERSION" "$here" <<'PY'
import hashlib, re, sqlite3, sys

mode, db, version, repo = sys.argv[1:5]
# How mlxconfig (mstflint v4.21.0-1, Mellanox/mstflint@d3544651665b241782ae9a2d4ebc620ea6b1db5e) names what the
# database holds: a parameter of a TLV of class 1 (Physical_Port) is NAME_P<port>, port 1..num_ports (the device's,
# 8 when it cannot say: mlxconfig/mlxcfg_tlv.cpp TLVConf::getView, getMaxPort); one of class 9 (Module) is
# NAME_M<module>, module 0..1 (getMaxModule); the bare name of either is refused ("with no port does not exist",
# TLVConf::CheckModuleAndPortMatchClass). An array element is NAME[i], 0 <= i < array_length
# (mlxconfig/mlxcfg_utils.cpp parseIndexedMlxconfigName, mlxcfg_param.cpp ArrayParamValue::setVal).
MAX_PORT, MODULES = 8, (0, 1)
PER = {1: "port", 9: "module"}
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
rows = con.execute(
    "SELECT p.mlxconfig_name, MAX(p.array_length), MIN(p.array_length), MAX(t.class), MIN(t.class)"
    " FROM params p JOIN tlvs t ON t.name = p.tlv_name"
    " WHERE p.mlxconfig_name IS NOT NULL AND p.mlxconfig_name != '' GROUP BY p.mlxconfig_name"
).fetchall()
named = con.execute("SELECT COUNT(DISTINCT mlxconfig_name) FROM params WHERE mlxconfig_name != ''").fetchone()[0]
if named != len(rows):
    sys.exit(f"mlxconfig-params: {named - len(rows)} named parameters of {db} belong to no TLV")
names = {}
for name, hi, lo, chi, clo in rows:
    if hi != lo or chi != clo:
        sys.exit(f"mlxconfig-params: {name} has array lengths {lo}..{hi} and TLV classes {clo}..{chi} in {db}: decide which to keep")
    if not re.fullmatch(r"[A-Z][A-Za-z0-9_]*", name):
        sys.exit(f"mlxconfig-params: {name!r} in {db} is not a plain name: widen FLAVOR_PATTERNS.nvconfigParameter first")
    names[name] = (int(hi or 0), int(chi))
listing = "".join(f"{n}\t{names[n][0]}\t{names[n][1]}\n" for n in sorted(names))
if mode == "--names":
    sys.stdout.write(listing)
    sys.exit(0)

def per(n):
    return PER.get(names[n][1], "device")

digest = hashlib.sha256(listing.encode()).hexdigest()
arrays = sum(1 for n in names if names[n][0] > 0)
src = "/" + "usr/share/mstflint/mlxconfig_dbs/mlxconfig_host.db"
ts = [
    f"// Generated by scripts/mlxconfig-params.sh from Debian's mstflint {version}",
    f"// ({src}, tables params and tlvs). Do not edit: run the script.",
    "",
    "/**",
    " * Where MLXCONFIG_PARAMS came from; namesSha256 is the sha256 of the script's `--names` listing",
    " * (`NAME<TAB>array_length<TAB>TLV class` lines, C order), which MLXCONFIG_PARAMS holds.",
    " */",
    "export const MLXCONFIG_SOURCE = {",
    "  package: 'mstflint',",
    f"  version: '{version}',",
    f"  database: '{src}',",
    f"  namesSha256: '{digest}',",
    "} as const;",
    "",
    "/**",
    " * How mlxconfig (mstflint v4.21.0-1, Mellanox/mstflint@d3544651665b241782ae9a2d4ebc620ea6b1db5e",
    " * mlxconfig/mlxcfg_tlv.cpp TLVConf::getView, getMaxPort, getMaxModule) names a per-port parameter",
    " * (NAME_P1..NAME_P<ports>, ports being the device's, 8 when it cannot say) and a per-module one",
    " * (NAME_M0..NAME_M1); the bare name of either is refused.",
    " */",
    f"export const MLXCONFIG_MAX_PORT = {MAX_PORT};",
    f"export const MLXCONFIG_MODULES: readonly number[] = [{', '.join(map(str, MODULES))}];",
    "",
    "export interface MlxconfigParam {",
    "  /** Elements of an array parameter (set as NAME[i]), 0 for one value. */",
    "  arrayLength: number;",
    "  /** TLV class: 1 (Physical_Port) and 9 (Module) name the port or module; the others do not. */",
    "  tlvClass: number;",
    "}",
    "",
    f"/** Every mlxconfig parameter name ({len(names)}; {arrays} arrays, {sum(1 for n in names if per(n) == 'port')} per port, {sum(1 for n in names if per(n) == 'module')} per module). */",
    "export const MLXCONFIG_PARAMS: Readonly<Record<string, MlxconfigParam>> = {",
]
ts += [f"  {n}: {{ arrayLength: {names[n][0]}, tlvClass: {names[n][1]} }}," for n in sorted(names)]
ts += ["};", ""]
with open(f"{repo}/model/mlxconfig-params.ts", "w") as f:
    f.write("\n".join(ts))

# The CRD's rule: the name before '=' must be a key of a map literal (an `in` on a map costs the same
# whatever its size, so the rule's cost does not grow with the list): each name as mlxconfig spells it.
keys = []
for n in sorted(names):
    length = names[n][0]
    bases = {"port": [f"{n}_P{p}" for p in range(1, MAX_PORT + 1)], "module": [f"{n}_M{m}" for m in MODULES]}.get(per(n), [n])
    for b in bases:
        keys += [f"{b}[{i}]" for i in range(length)] if length else [b]
rule = "self.find('^[^=]*') in {" + ", ".join(f"'{k}': true" for k in keys) + "}"
message = (
    "'spec.nvconfig.parameters: unknown mlxconfig parameter ' + self.find('^[^=]*') + ': not among the " + str(len(names))
    + " names mlxconfig knows (mstflint " + version + ", model/mlxconfig-params.ts); "
    + "a per-port parameter is NAME_P1.., an array is set element by element, NAME[i]'"
)
crd = f"{repo}/charts/xpuflow/crds/provisioning.xpuflow.dev_dpuflavors.yaml"
text = open(crd).read()
marker = "# generated by scripts/mlxconfig-params.sh"
pat = re.compile(r"(?m)^(\s*)" + re.escape(marker) + r"\n\s*- rule: .*\n\s*messageExpression: .*\n")
if len(pat.findall(text)) != 1:
    sys.exit(f"mlxconfig-params: {crd} needs exactly one '{marker}' line followed by a rule and a messageExpression")
def repl(m):
    ind = m.group(1)
    return f'{ind}{marker}\n{ind}- rule: "{rule}"\n{ind}  messageExpression: "{message}"\n'
open(crd, "w").write(pat.sub(repl, text))
print(f"mlxconfig-params: wrote model/mlxconfig-params.ts ({len(names)} names, {arrays} arrays, {len(keys)} spellings) and the rule in {crd}", file=sys.stderr)
PY
    ;;
  *)
    log "unknown argument $1 (none, --names or --write)"
    exit 2
    ;;
esac
