/**
 * DPUCluster controller: can the DPU cluster be reached with the kubeconfig
 * its Secret holds? Phase Ready or Error, with a Reachable condition saying
 * why not. Checked on every change of the object or its Secret, and again
 * every minute so an outage shows up.
 */
import { setCondition } from '../model/resources/conditions';
import { apiMessage, Kube } from '../platform/kube/client';
import { kubeConfigFromYaml } from '../platform/kube/config';
import { refOf, type DpuClusterResource } from '../model/resources/common';

export class DpuClusterController {
  constructor(
    private readonly kube: Kube,
    private readonly lookup: (namespace: string, name: string) => DpuClusterResource | undefined,
  ) {}

  async reconcile(namespace: string, name: string): Promise<void> {
    const dc = this.lookup(namespace, name);
    if (!dc || dc.metadata.deletionTimestamp) return;
    const { phase, reason, message } = await this.probe(dc);
    const cur = dc.status?.conditions?.find((c) => c.type === 'Reachable');
    if (dc.status?.phase === phase && cur?.message === message) return;
    await this.kube.patchStatus('DPUCluster', refOf(dc.metadata), {
      phase,
      conditions: setCondition(
        dc.status?.conditions,
        { type: 'Reachable', status: phase === 'Ready' ? 'True' : 'False', reason, message },
        new Date().toISOString(),
      ),
    });
    if (phase !== 'Ready')
      await this.kube.event({ kind: 'DPUCluster', ref: refOf(dc.metadata) }, 'Warning', reason, message);
  }

  private async probe(
    dc: DpuClusterResource,
  ): Promise<{ phase: 'Ready' | 'Error'; reason: string; message: string }> {
    const ns = dc.metadata.namespace ?? 'default';
    const { name, key = 'kubeconfig' } = dc.spec.kubeconfigSecret;
    const secret = await this.kube.getSecret(ns, name);
    const data = secret?.data?.[key];
    if (!data) {
      return {
        phase: 'Error',
        reason: 'KubeconfigMissing',
        message: `Secret ${ns}/${name} ${secret ? `has no key ${JSON.stringify(key)}` : 'does not exist'}: put the DPU cluster's kubeconfig there`,
      };
    }
    try {
      const kc = kubeConfigFromYaml(
        Buffer.from(data, 'base64').toString('utf8'),
        `Secret ${ns}/${name} key ${key}`,
      );
      const server = kc.getCurrentCluster()?.server;
      const nodes = await new Kube(kc).core.listNode();
      return {
        phase: 'Ready',
        reason: 'Reachable',
        message: `${server} answers (${nodes.items.length} nodes)`,
      };
    } catch (err) {
      return {
        phase: 'Error',
        reason: 'Unreachable',
        message: `the DPU cluster in Secret ${ns}/${name} cannot be reached: ${apiMessage(err)}`,
      };
    }
  }
}
