/**
 * The DPU-cluster join part of bf.cfg, NVIDIA DPF's way: DPF renders the
 * output of `kubeadm token create --print-join-command` (plus ` --v=5`) as
 * `{{.KubeadmJoinCMD}}` into `/opt/dpf/join_k8s_cluster.sh`, which
 * `kubeadm-join.service` runs at boot in a loop until it succeeds, then
 * touches `/opt/dpf/joined_cluster_successfully` so a restart does not join
 * again; between attempts it removes the half-written ca.crt and
 * bootstrap-kubelet.conf. Kubelet reads its extra arguments from
 * /etc/default/kubelet (DPF's 10-bf.conf drop-in: EnvironmentFile=-/etc/default/kubelet).
 * Source: internal/provisioning/controllers/dpu/bfcfg/bf.cfg.template and
 * bfcfg.go, internal/provisioning/controllers/dpu/state/installing.go
 * (generateJoinCommand), NVIDIA/doca-platform @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f.
 *
 * xpuflow differs in two ways, both explicit: the node name is passed as
 * `--node-name` (DPF relies on the host name being the DPU name, which
 * collides across namespaces: model/dpu-cluster-node.ts), and the node's
 * labels go to the kubelet as `--node-labels` so the node is labelled from
 * its first write (xpuflow's DPU Cluster Config still labels it afterwards,
 * as DPF's AddLabelsToNode does).
 *
 * The join command is a bash array of single-quoted words, one per line of
 * this file: `XPUFLOW_KUBEADM_JOIN=('kubeadm' 'join' ...)`. The file holds the
 * bootstrap token's secret; it is rendered and sent to DMS inside one
 * activity (install-bf-cfg.ts) and never enters a workflow's history.
 */
import { shAssign, shQuote } from './shell-quote';
import { BfbErrorType, nonRetryable } from './errors';

/** What the DPU is handed to join (activities/kube/dpu-cluster-join-material.ts). */
export interface BfCfgJoin {
  apiServerEndpoint: string;
  /** `<token-id>.<token-secret>` */
  token: string;
  /** `sha256:<hex>` per cluster CA certificate. */
  caCertHashes: string[];
  nodeName: string;
  nodeLabels: Record<string, string>;
}

const ENDPOINT = /^[A-Za-z0-9.:[\]-]+:[0-9]{1,5}$/;
/** kubeadm's bootstrap token format (k8s.io/cluster-bootstrap/token/api: BootstrapTokenPattern). */
const TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const CA_HASH = /^sha256:[0-9a-f]{64}$/;
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label key (optional DNS prefix, then a name) and value, as the API server checks them. */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function invalid(message: string): never {
  throw nonRetryable(BfbErrorType.InvalidBfCfg, `bf.cfg join: ${message}`);
}

/** The kubeadm join command as words, as `kubeadm token create --print-join-command` prints it plus DPF's `--v=5`. */
export function kubeadmJoinWords(join: BfCfgJoin): string[] {
  if (!ENDPOINT.test(join.apiServerEndpoint))
    invalid(`API endpoint ${JSON.stringify(join.apiServerEndpoint)} is not host:port`);
  // The token is not repeated in a message: it is a secret.
  if (!TOKEN.test(join.token)) invalid('the bootstrap token is not <6 a-z0-9>.<16 a-z0-9>');
  if (join.caCertHashes.length === 0) invalid('no CA certificate hash: the DPU could not pin the cluster CA');
  for (const h of join.caCertHashes)
    if (!CA_HASH.test(h)) invalid(`CA hash ${JSON.stringify(h)} is not sha256:<64 hex>`);
  if (join.nodeName.length > 253 || !NODE_NAME.test(join.nodeName))
    invalid(`node name ${JSON.stringify(join.nodeName)} is not a DNS subdomain`);
  return [
    'kubeadm',
    'join',
    join.apiServerEndpoint,
    '--token',
    join.token,
    ...join.caCertHashes.flatMap((h) => ['--discovery-token-ca-cert-hash', h]),
    '--node-name',
    join.nodeName,
    '--v=5',
  ];
}

/** `k=v,k=v`, sorted, each key and value checked as the API server would. */
export function nodeLabelsArg(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  for (const k of keys) {
    if (!LABEL_KEY.test(k)) invalid(`node label key ${JSON.stringify(k)} is not a label key`);
    if (typeof labels[k] !== 'string' || !LABEL_VALUE.test(labels[k]))
      invalid(`node label ${k} value ${JSON.stringify(labels[k])} is not a label value`);
  }
  return keys.map((k) => `${k}=${labels[k]}`).join(',');
}

/** Variables for the installer (before bfb_modify_os). */
export function joinAssignments(join: BfCfgJoin): string[] {
  const words = kubeadmJoinWords(join).map(shQuote).join(' ');
  return [
    '# Join the DPU cluster at boot (NVIDIA DPF: /opt/dpf/join_k8s_cluster.sh runs the kubeadm join command until it succeeds).',
    `XPUFLOW_KUBEADM_JOIN=(${words})`,
    shAssign('XPUFLOW_NODE_LABELS', nodeLabelsArg(join.nodeLabels)),
  ];
}

/** A bash function bfb_modify_os calls with the new root: writes DPF's join script, its unit and kubelet's labels. */
export const JOIN_INSTALLER = [
  'xpuflow_install_join()',
  '{',
  '    local root="$1"',
  '    mkdir -p "$root/opt/dpf" "$root/etc/systemd/system/multi-user.target.wants" "$root/etc/default"',
  '    {',
  "        printf '%s\\n' '#!/bin/bash'",
  "        printf '%s\\n' 'if [ -e /opt/dpf/joined_cluster_successfully ]; then exit 0; fi'",
  "        printf '%s\\n' 'while true; do'",
  '        printf \'    %s && touch /opt/dpf/joined_cluster_successfully && exit 0\\n\' "$(printf \'%q \' "${XPUFLOW_KUBEADM_JOIN[@]}")"',
  "        printf '%s\\n' '    sleep 5' '    rm -f /etc/kubernetes/pki/ca.crt /etc/kubernetes/bootstrap-kubelet.conf' 'done'",
  '    } > "$root/opt/dpf/join_k8s_cluster.sh"',
  '    chmod 0700 "$root/opt/dpf/join_k8s_cluster.sh"',
  "    printf '%s\\n' '[Unit]' 'Description=Run kubeadm until successful' 'After=network-online.target' 'Wants=network-online.target' '' '[Service]' 'Type=simple' 'ExecStart=/bin/bash /opt/dpf/join_k8s_cluster.sh' '' '[Install]' 'WantedBy=multi-user.target' > \"$root/etc/systemd/system/kubeadm-join.service\"",
  '    ln -sf /etc/systemd/system/kubeadm-join.service "$root/etc/systemd/system/multi-user.target.wants/kubeadm-join.service"',
  '    printf \'KUBELET_EXTRA_ARGS=--node-labels=%q\\n\' "$XPUFLOW_NODE_LABELS" > "$root/etc/default/kubelet"',
  '}',
];
