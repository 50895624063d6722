/**
 * DMS Deployment: the DMS pod (gNOI OS/System server for one DPU) on the host
 * node, host network, on the DPU's DMS port. Ready when the kubelet says the
 * pod is Ready; the phase then checks that DMS answers.
 */
import { isConflict, type Kube } from '../../platform/kube/client';
import { dmsPodName } from '../../model/dpu';
import { waitUntil } from '../wait-until';
import { API_VERSION, GROUP, type ObjectRef } from '../../model/resources/common';

export interface DmsPodInput {
  dpu: ObjectRef;
  node: string;
  pciAddress: string;
  port: number;
  image: string;
}

export function dmsDeploymentActivities(kube: () => Kube) {
  return {
    async deployDmsPod(input: DmsPodInput): Promise<string> {
      const name = dmsPodName(input.dpu.name);
      try {
        await kube().core.createNamespacedPod({
          namespace: input.dpu.namespace,
          body: {
            metadata: {
              name,
              namespace: input.dpu.namespace,
              labels: { 'app.kubernetes.io/name': 'xpuflow-dms', [`${GROUP}/dpu`]: input.dpu.name },
              ...(input.dpu.uid
                ? {
                    ownerReferences: [
                      { apiVersion: API_VERSION, kind: 'DPU', name: input.dpu.name, uid: input.dpu.uid },
                    ],
                  }
                : {}),
            },
            spec: {
              nodeName: input.node,
              hostNetwork: true,
              restartPolicy: 'Always',
              tolerations: [{ operator: 'Exists' }],
              containers: [
                {
                  name: 'dms',
                  image: input.image,
                  args: ['--pci-address', input.pciAddress, '--port', String(input.port)],
                  ports: [{ name: 'gnoi', containerPort: input.port, hostPort: input.port }],
                  readinessProbe: { tcpSocket: { port: input.port }, periodSeconds: 2 },
                  securityContext: { privileged: true },
                },
              ],
            },
          },
        });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      return name;
    },

    /** Waits for the kubelet to report the DMS pod Ready; heartbeats what it sees. */
    async awaitDmsPodReady(input: {
      namespace: string;
      pod: string;
      node: string;
      timeoutSeconds: number;
    }): Promise<void> {
      await waitUntil({
        what: `DMS pod ${input.namespace}/${input.pod} on node ${input.node} to be Ready`,
        timeoutSeconds: input.timeoutSeconds,
        failureType: 'DmsPodNotReady',
        hint: `check the kubelet on ${input.node} and the pod's events`,
        look: async () => {
          const pod = await kube().getPod(input.namespace, input.pod);
          if (!pod) return { seen: 'not created', details: { pod: input.pod } };
          if (pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True')
            return { done: undefined };
          const seen = `${pod.status?.phase ?? 'Pending'}${pod.status?.message ? `: ${pod.status.message}` : ''}`;
          return { seen, details: { pod: input.pod } };
        },
      });
    },

    async removeDmsPod(input: { namespace: string; pod: string }): Promise<void> {
      await kube().deletePod(input.namespace, input.pod);
    },
  };
}
