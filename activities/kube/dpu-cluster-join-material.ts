/**
 * What a DPU needs to join its DPU cluster, read where it lives: the API
 * endpoint and CA from the DPUCluster's kubeconfig, the bootstrap token from
 * its Secret in the DPU cluster's kube-system. Not an activity: its result
 * holds the token's secret, so it is only called inside the activity that
 * renders and installs the bf.cfg (activities/bfb/install-bf-cfg.ts), and
 * never returned to a workflow.
 *
 * It builds what `kubeadm token create --print-join-command` prints, which is
 * how NVIDIA DPF makes the join command it renders into bf.cfg
 * (generateJoinCommand in internal/provisioning/controllers/dpu/state/installing.go,
 * NVIDIA/doca-platform @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f): kubeadm's
 * GetJoinWorkerCommand takes the endpoint and every CA certificate of the
 * kubeconfig's cluster and pins each by `pubkeypin.Hash`, sha256 of the
 * certificate's SubjectPublicKeyInfo (kubernetes/kubernetes v1.36.3,
 * cmd/kubeadm/app/util/pubkeypin/pubkeypin.go and
 * cmd/kubeadm/app/cmd/util/join.go).
 */
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import type { Kube } from '../../platform/kube/client';
import { DPU_NODE_LABEL } from '../../model/resources/common';
import { dpuClusterClient } from './cluster-clients';
import type { DpuClusterInput } from './dpu-cluster-client';
import { KubeFailureType } from './failures';

export interface JoinMaterial {
  /** `host:port` of the DPU cluster's API server. */
  apiServerEndpoint: string;
  /** `<token-id>.<token-secret>`. */
  token: string;
  tokenId: string;
  /** `sha256:<hex>` for each CA certificate of the cluster. */
  caCertHashes: string[];
  nodeName: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** kubeadm's pubkeypin.Hash for each certificate of a PEM bundle. */
export function caCertHashes(pem: string): string[] {
  return (pem.match(PEM_CERT) ?? []).map((block) => {
    const spki = new X509Certificate(block).publicKey.export({ type: 'spki', format: 'der' });
    return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
  });
}

/** The live (unexpired) bootstrap token Secret of this DPU's node, if any. */
export async function liveJoinToken(
  k: Kube,
  dpuNode: string,
  nowMs = Date.now(),
): Promise<{ id: string; secret: string; expiresAt?: string } | undefined> {
  const list = await k.core.listNamespacedSecret({
    namespace: 'kube-system',
    labelSelector: `${DPU_NODE_LABEL}=${dpuNode}`,
  });
  for (const s of list.items) {
    if (s.type !== 'bootstrap.kubernetes.io/token' || s.metadata?.deletionTimestamp) continue;
    const field = (key: string) => (s.data?.[key] ? Buffer.from(s.data[key], 'base64').toString() : '');
    const expiresAt = field('expiration') || undefined;
    if (expiresAt && Date.parse(expiresAt) <= nowMs) continue;
    const id = field('token-id');
    const secret = field('token-secret');
    if (id && secret) return { id, secret, expiresAt };
  }
  return undefined;
}

export async function readJoinMaterial(host: Kube, input: DpuClusterInput): Promise<JoinMaterial> {
  const { kube, kc } = await dpuClusterClient(host, input.cluster, {
    fixMissing: "create it or fix the DPU's spec.cluster.name",
  });
  const cluster = kc.getCurrentCluster();
  const where = `the kubeconfig of DPUCluster ${input.cluster.namespace}/${input.cluster.name}`;
  if (!cluster?.server) {
    throw ApplicationFailure.nonRetryable(`${where} names no server`, KubeFailureType.DpuClusterJoin);
  }
  const caPem = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString('utf8')
    : cluster.caFile
      ? fs.readFileSync(cluster.caFile, 'utf8')
      : '';
  const hashes = caCertHashes(caPem);
  if (hashes.length === 0) {
    // kubeadm join refuses discovery without a CA pin unless told --discovery-token-unsafe-skip-ca-verification; xpuflow never does that.
    throw ApplicationFailure.nonRetryable(
      `${where} carries no certificate-authority-data: the DPU could not pin the cluster CA; add the CA to the kubeconfig`,
      KubeFailureType.DpuClusterJoin,
    );
  }
  const token = await liveJoinToken(kube, input.dpuNode);
  if (!token) {
    // Retryable: createJoinToken runs just before; a token deleted meanwhile is made again on the next attempt of the phase.
    throw ApplicationFailure.retryable(
      `no live bootstrap token for node ${input.dpuNode} in kube-system of DPUCluster ${input.cluster.name}; createJoinToken makes one`,
      KubeFailureType.DpuClusterJoin,
    );
  }
  return {
    apiServerEndpoint: new URL(cluster.server).host,
    token: `${token.id}.${token.secret}`,
    tokenId: token.id,
    caCertHashes: hashes,
    nodeName: input.dpuNode,
  };
}
