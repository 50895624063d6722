/**
 * The name a DPU's node takes in its DPU cluster. DPUs are namespaced on the
 * host cluster and one DPU cluster may serve several namespaces, so the name
 * carries the namespace: `<dpu>.<namespace>`. A namespace is a DNS label (no
 * dots), so the last dot-separated part is always the namespace and two DPUs
 * of the same name in two namespaces get two nodes.
 *
 * The name is also a label value (`dpu.xpuflow.dev/dpu` on the node and on
 * its join token), which allows at most 63 characters; a longer pair is cut
 * and ends in 16 hex digits hashed from `<namespace>/<dpu>` (two FNV-1a
 * 32-bit hashes: pure code, as workflows import this), so it stays unique.
 *
 * NVIDIA DPF names the node after the DPU alone (`GenerateNodeName` returns
 * dpu.Name: NVIDIA/doca-platform internal/provisioning/controllers/util/util.go
 * @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f), which collides across namespaces.
 */
const LABEL_VALUE_MAX = 63;

export function dpuClusterNodeName(namespace: string, dpu: string): string {
  const full = `${dpu}.${namespace}`;
  if (full.length <= LABEL_VALUE_MAX) return full;
  const key = `${namespace}/${dpu}`;
  const digest = fnv1a(key, 0x811c9dc5) + fnv1a(key, 0x01000193);
  const head = full.slice(0, LABEL_VALUE_MAX - digest.length - 1).replace(/[^a-z0-9]+$/, '');
  return `${head}-${digest}`;
}

/** FNV-1a, 32 bits, from `seed`; 8 hex digits. */
function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
