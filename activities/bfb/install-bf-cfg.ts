/**
 * `dmsInstallBfCfg`: renders the DPU's bf.cfg with its DPU-cluster join
 * (bf-cfg-join.ts) and sends it to DMS, in one activity, so the bootstrap
 * token it carries is read here (from the DPU cluster) and never passes
 * through a workflow: the workflow gives references (the DPU spec, the
 * DPUCluster and node name) and gets back the file name and the token's ID.
 */
import type { DpuSpec } from '../../model/dpu';
import { DPU_NODE_LABEL, HOST_NODE_LABEL } from '../../model/resources/common';
import type { DpuClusterInput } from '../kube/dpu-cluster-client';
import type { JoinMaterial } from '../kube/dpu-cluster-join-material';
import type { DmsInstallContentInput, InstallStreamResult } from '../dms';
import { renderBfCfg } from './bf-cfg';

export interface DmsInstallBfCfgInput {
  dpu: string;
  address: string;
  spec: DpuSpec;
  /** The DPU cluster to join and the node name to join as. */
  join: DpuClusterInput;
}

export interface DmsInstallBfCfgResult {
  /** The bf.cfg's DMS version (`bf-<dpu>-<hash>.cfg`). */
  fileName: string;
  /** The bootstrap token's ID (public: it names the Secret); never its secret. */
  tokenId: string;
}

export function createInstallBfCfgActivity(deps: {
  joinMaterial: (input: DpuClusterInput) => Promise<JoinMaterial>;
  dmsInstallContent: (input: DmsInstallContentInput) => Promise<InstallStreamResult>;
}) {
  return {
    async dmsInstallBfCfg(input: DmsInstallBfCfgInput): Promise<DmsInstallBfCfgResult> {
      const m = await deps.joinMaterial(input.join);
      const nodeLabels = {
        ...(input.spec.kube?.cluster?.nodeLabels ?? {}),
        [DPU_NODE_LABEL]: m.nodeName,
        [HOST_NODE_LABEL]: input.spec.node,
      };
      const cfg = renderBfCfg(input.spec, { ...m, nodeLabels });
      await deps.dmsInstallContent({
        dpu: input.dpu,
        address: input.address,
        version: cfg.fileName,
        content: cfg.content,
      });
      return { fileName: cfg.fileName, tokenId: m.tokenId };
    },
  };
}
