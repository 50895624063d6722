#!/usr/bin/env bash
# Builds dist/xpuflow-cni: the CNI plugin as one self-contained executable, a
# Node single executable application (https://nodejs.org/api/single-executable-applications.html):
#   1. esbuild bundles node/cni/main.ts and everything it imports into one CommonJS file;
#   2. `node --experimental-sea-config` makes the preparation blob of that file plus the
#      .proto files it loads at run time (SEA assets, read by proto/load-embedded.ts);
#   3. a copy of this node binary gets the blob injected with postject.
# The result runs with no node_modules, no dist/ and no proto/ beside it, which is how
# the host DaemonSet's init container installs it into the node's CNI bin directory.
# Idempotent: skipped when the bundle's inputs, the node binary and this script are
# unchanged since the last build. Prints the executable's path on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

out=dist/xpuflow-cni
work=dist/cni-sea
stamp="$work/inputs.sha256"
node_bin="$(node -p process.execPath)"
# Everything the executable needs at run time besides the bundle: SEA asset key -> file.
assets='{ "hostagent/hostagent.proto": "proto/hostagent/hostagent.proto" }'

# The digest of what the last build read: the files esbuild bundled (its metafile's
# inputs), the assets, the node binary (version, size, mtime) and this script.
inputs_digest() {
  {
    echo "$node_bin $(node --version) $(stat -c '%s %Y' "$node_bin")"
    sha256sum scripts/build-cni.sh proto/hostagent/hostagent.proto
    node -e 'for (const f of Object.keys(require(process.argv[1]).inputs)) console.log(f)' \
      "$here/$work/meta.json" | xargs -d '\n' sha256sum
  } | sha256sum | cut -d' ' -f1
}

# One build at a time (test files that need the executable may start together).
mkdir -p dist
exec 9>dist/.build-cni.lock
flock 9

if [[ -x "$out" && -f "$stamp" && -f "$work/meta.json" ]] && [[ "$(inputs_digest)" == "$(cat "$stamp")" ]]; then
  echo "$here/$out"
  exit 0
fi

echo "building $out (esbuild bundle, SEA blob, postject)" >&2
rm -rf "$work"
mkdir -p "$work"
node_modules/.bin/esbuild node/cni/main.ts --bundle --platform=node --target=node20 --format=cjs \
  --metafile="$work/meta.json" --outfile="$work/xpuflow-cni.js" --log-level=error
node -e '
  const [work, assets] = process.argv.slice(1);
  require("fs").writeFileSync(`${work}/sea-config.json`, JSON.stringify({
    main: `${work}/xpuflow-cni.js`,
    output: `${work}/sea-prep.blob`,
    disableExperimentalSEAWarning: true,
    useCodeCache: true, // V8 code cache in the blob: a faster cold start per CNI call
    assets: JSON.parse(assets),
  }, null, 2));
' "$work" "$assets"
node --experimental-sea-config "$work/sea-config.json" >&2
cp "$node_bin" "$work/xpuflow-cni"
chmod u+w "$work/xpuflow-cni"
# The fuse is Node's documented sentinel (single-executable-applications.md, "Injecting the preparation blob").
node_modules/.bin/postject "$work/xpuflow-cni" NODE_SEA_BLOB "$work/sea-prep.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >/dev/null 2>"$work/postject.log" || {
  cat "$work/postject.log" >&2
  exit 1
}
mv "$work/xpuflow-cni" "$out"
rm -f "$work/sea-prep.blob"
inputs_digest >"$stamp"
echo "$here/$out"
