/**
 * `redfishStageImage`: what the BMC fetches on the redfish path, the BFB
 * followed by the DPU's bf.cfg (bfb-with-cfg-server.ts says why, after
 * NVIDIA DPF). The activity puts the BFB in the content-addressed cache
 * (fetchBfb, verified by sha256), renders the bf.cfg (with the DPU-cluster
 * join when the DPU has a DPUCluster: the bootstrap token is read here, from
 * the DPU cluster, and never passes through the workflow) and writes it under
 * `<cacheDir>/bf-cfg/` by its content-hashed name, then returns the ImageURI
 * on the control worker's image server. The same spec and token render the
 * same bytes, so a retry or a re-run names the same ImageURI, and a retried
 * SimpleUpdate finds the update already in flight (findUpdateTask matches the
 * ImageURI). History holds the URL and the token's ID, never the bf.cfg.
 *
 * Without an image server (XPUFLOW_IMAGE_SERVER unset) the BMC gets the BFB's
 * own URL, without xpuflow's bf.cfg, as before; a DPU that must join a
 * DPUCluster cannot do without it and fails naming the setting.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { DpuSpec } from '../../model/dpu';
import { DPU_NODE_LABEL, HOST_NODE_LABEL } from '../../model/resources/common';
import type { DpuClusterInput } from '../kube/dpu-cluster-client';
import type { JoinMaterial } from '../kube/dpu-cluster-join-material';
import { renderBfCfg } from './bf-cfg';
import { BF_CFG_DIR } from './bfb-with-cfg-server';
import { bfbWithCfgPath } from './bfb-with-cfg-path';
import { BfbErrorType, nonRetryable } from './errors';
import type { FetchBfbRequest, FetchedBfb } from './fetch-bfb';

export interface StageImageInput {
  dpu: string;
  spec: DpuSpec;
  /** The DPU cluster to join and the node name to join as (absent: no DPUCluster). */
  join?: DpuClusterInput;
}

export interface StageImageResult {
  /** The ImageURI for SimpleUpdate. */
  imageUri: string;
  /** The staged bf.cfg's name (absent without an image server). */
  bfCfg?: string;
  /** The bootstrap token's ID (public: it names the Secret); never its secret. */
  tokenId?: string;
}

export interface StageImageDeps {
  cacheDir: string;
  fetchBfb: (req: FetchBfbRequest) => Promise<FetchedBfb>;
  joinMaterial: (input: DpuClusterInput) => Promise<JoinMaterial>;
  /** The image server's URL as BMCs reach it (http://host:port); unset: no server. */
  imageServerUrl?: string;
}

async function writeOnce(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.partial`;
  await fs.writeFile(tmp, content, { mode: 0o600 });
  await fs.rename(tmp, file);
}

export function createStageImageActivity(deps: StageImageDeps) {
  return {
    async redfishStageImage(input: StageImageInput): Promise<StageImageResult> {
      const { spec, join } = input;
      if (!deps.imageServerUrl) {
        if (join) {
          throw nonRetryable(
            BfbErrorType.InvalidBfCfg,
            `DPU ${input.dpu} joins DPUCluster ${join.cluster.name} through a bf.cfg, which the redfish path serves with the BFB from the control worker's image server; set XPUFLOW_IMAGE_SERVER on the control worker and retry from "OS Installing"`,
          );
        }
        return { imageUri: spec.bfb.url };
      }
      const bfb = await deps.fetchBfb({ url: spec.bfb.url, sha256: spec.bfb.sha256 });
      let tokenId: string | undefined;
      let cfg;
      if (join) {
        const m = await deps.joinMaterial(join);
        tokenId = m.tokenId;
        cfg = renderBfCfg(spec, {
          ...m,
          nodeLabels: {
            ...(spec.kube?.cluster?.nodeLabels ?? {}),
            [DPU_NODE_LABEL]: m.nodeName,
            [HOST_NODE_LABEL]: spec.node,
          },
        });
      } else {
        cfg = renderBfCfg(spec);
      }
      await writeOnce(path.join(deps.cacheDir, BF_CFG_DIR, cfg.fileName), cfg.content);
      const urlPath = bfbWithCfgPath({
        sha256: bfb.sha256,
        cfgFileName: cfg.fileName,
        bfbFileName: bfb.fileName,
      });
      return {
        imageUri: `${deps.imageServerUrl.replace(/\/+$/, '')}${urlPath}`,
        bfCfg: cfg.fileName,
        ...(tokenId ? { tokenId } : {}),
      };
    },
  };
}
