/**
 * The control worker: every workflow, plus the activities that reach DMS and
 * download BFBs. Wiring only; the work lives in workflows/ and activities/.
 */
import fs from 'node:fs';
import { Worker } from '@temporalio/worker';
import { createBfbActivities } from '../../activities/bfb';
import { createDmsActivities, createInstallBfbActivity } from '../../activities/dms';
import { createJoinMaterialReader, createKubeActivities } from '../../activities/kube';
import { createInstallBfCfgActivity } from '../../activities/bfb/install-bf-cfg';
import { createStageImageActivity } from '../../activities/bfb/stage-image';
import { createBfbVersionsActivity } from '../../activities/bfb/bfb-versions';
import { createCredentialActivities } from '../../activities/kube/credential';
import { createKamajiActivities } from '../../activities/kube/kamaji';
import { createRedfishActivities } from '../../activities/redfish';
import { openRedfish } from '../../activities/redfish/client';
import { createDpuServiceActivities } from '../../activities/argocd/dpu-service';
import { createDiscoveryActivities } from '../../activities/redfish/discovery';
import type * as k8s from '@kubernetes/client-node';
import { DmsClients } from '../../activities/dms/clients';
import type { DmsTls } from '../../platform/connection/dms-tls';
import type { DmsPodLayout } from '../../model/dms-pod';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';
import { controlWorkerHooks } from './hooks';
import { commonWorkerOptions, type WorkerConnectionOptions } from '../worker-options';
import { tuningWorkerOptions, type WorkerTuning } from '../worker-tuning';
import { WORKFLOW_BUNDLE } from './bundle-workflows';
import { workerBundleOptions } from '../workflow-bundle-options';

export interface ControlWorkerOptions extends WorkerConnectionOptions {
  /** Where downloaded BFBs are cached (content-addressed by sha256). */
  bfbCacheDir: string;
  /** BFB transfers to DMS this worker runs at once (default 16). */
  maxConcurrentTransfers?: number;
  taskQueue?: string;
  /** The Kubernetes cluster of DPU objects (XPUFLOW_KUBECONFIG); without one the cluster phases are skipped. */
  kubeConfig?: k8s.KubeConfig;
  /** TLS/mTLS to DMS (platform/connection/dms-tls.ts); plaintext without. */
  dmsTls?: DmsTls;
  /** The DMS pod's layout (XPUFLOW_DMS_POD, chart values `dms:`); default NVIDIA DPF's. */
  dmsPod?: DmsPodLayout;
  /** Cache, pollers, slots and workflow threads (worker-tuning.ts); unset: the SDK's defaults. */
  tuning?: WorkerTuning;
  /** The image server's URL as BMCs reach it (BFB + bf.cfg for the redfish path); unset: BFB URL alone. */
  imageServerUrl?: string;
  /** The bundle of workflows/ to run (tests pass one made once per run); default: as below. */
  workflowBundle?: { code: string };
}

export async function createControlWorker(opts: ControlWorkerOptions): Promise<Worker> {
  return Worker.create({
    ...commonWorkerOptions(opts, opts.taskQueue ?? CONTROL_TASK_QUEUE),
    ...tuningWorkerOptions(opts.tuning ?? {}),
    // The prebuilt bundle when the build made one (dist/), else bundle the sources now (tests).
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : fs.existsSync(WORKFLOW_BUNDLE) && __filename.endsWith('.js')
        ? { workflowBundle: { codePath: WORKFLOW_BUNDLE } }
        : workerBundleOptions(require.resolve('../../workflows'))),
    activities: controlActivities(
      opts.bfbCacheDir,
      opts.maxConcurrentTransfers,
      opts.kubeConfig,
      opts.dmsTls,
      opts.dmsPod,
      opts.imageServerUrl,
    ),
    ...controlWorkerHooks(),
  });
}

/** The control queue's activities: BFB cache, DMS calls (TLS when dmsTls), the two joined for one transfer, and Kubernetes. */
export function controlActivities(
  bfbCacheDir: string,
  maxConcurrentTransfers?: number,
  kubeConfig?: k8s.KubeConfig,
  dmsTls?: DmsTls,
  dmsPod?: DmsPodLayout,
  imageServerUrl?: string,
) {
  const bfb = createBfbActivities({ cacheDir: bfbCacheDir });
  const dms = createDmsActivities(
    dmsTls ? { clients: new DmsClients(dmsTls.credentials, dmsTls.channelOptions) } : {},
  );
  return {
    ...bfb,
    ...dms,
    ...createKubeActivities(kubeConfig, dmsPod),
    ...createCredentialActivities(kubeConfig),
    ...createKamajiActivities(kubeConfig),
    // The redfish install path: BMC Secrets from the host cluster, the BMC through the Redfish client.
    ...createRedfishActivities({ kubeConfig, open: openRedfish }),
    ...createDpuServiceActivities(kubeConfig),
    ...createDiscoveryActivities(kubeConfig),
    ...createInstallBfbActivity({
      fetchBfb: bfb.fetchBfb,
      dmsInstallFile: dms.dmsInstallFile,
      maxConcurrentTransfers,
    }),
    ...createInstallBfCfgActivity({
      joinMaterial: createJoinMaterialReader(kubeConfig),
      dmsInstallContent: dms.dmsInstallContent,
    }),
    // The redfish path's ImageURI: the BFB and its bf.cfg, served by this worker's image server.
    ...createStageImageActivity({
      cacheDir: bfbCacheDir,
      fetchBfb: bfb.fetchBfb,
      joinMaterial: createJoinMaterialReader(kubeConfig),
      ...(imageServerUrl ? { imageServerUrl } : {}),
    }),
    // What the BFB installs (its embedded inventory), checked against the BMC after boot.
    ...createBfbVersionsActivity({ fetchBfb: bfb.fetchBfb }),
  };
}
