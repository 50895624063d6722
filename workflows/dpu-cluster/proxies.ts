/** Activity proxies of the DPUCluster workflow (control queue), each with explicit timeouts and retries. */
import { proxyActivities } from '@temporalio/workflow';
import type { KamajiActivities } from '../../activities/kube/kamaji';
import { API_CALL } from '../toolkit';

/**
 * Make, read, write, remove: short API calls retried through an API server
 * restart (API_CALL); what still fails is reported on the DPUCluster and
 * tried again by the workflow later, so nothing gives up silently.
 */
export const kamajiCalls = proxyActivities<KamajiActivities>(API_CALL);
