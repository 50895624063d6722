/**
 * The load balancer DPF puts in front of a Kamaji control plane: keepalived
 * on the host cluster's control-plane nodes holding a VIP, with a health
 * check on the control plane's NodePort. The ConfigMap and DaemonSet are
 * DPF's manifest, NVIDIA/doca-platform
 * internal/clustermanager/kamaji/manifests/keepalived.yaml @ 1f6a80c0b087,
 * with the tolerations and node affinity handler.go adds (reconcileKeepalived).
 */
import type * as k8s from '@kubernetes/client-node';
import { kubeClientModule } from '../../../platform/kube/client-module';
import type { KamajiSettings } from '../../../model/resources/common';
import { DPU_CLUSTER_LABEL, kamajiObjectNames, ownedByCluster } from '../../../model/dpu-cluster';
import { isNotFound, statusCode, type Kube } from '../../../platform/kube/client';

const DEFAULT_IMAGE = 'osixia/keepalived:2.0.20';
const CONTROL_PLANE_ROLES = ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane'];

const CONF_TEMPLATE = `vrrp_script chk-control-plane {
  script "/usr/bin/curl -k https://NODE_IP:NODE_PORT"
  interval 2
  rise 3
  fall 2
  weight 0
}

vrrp_instance dpu-cluster-control-plane {
    state BACKUP
    interface INTERFACE
    virtual_router_id VIRTUAL_ROUTER_ID
    priority PRIORITY

    virtual_ipaddress {
       VIRTUAL_IP
    }

    track_script {
        chk-control-plane
    }
}
`;

export interface LoadBalancerTarget {
  cluster: { name: string; namespace: string; uid: string };
  keepalived: NonNullable<KamajiSettings['keepalived']>;
  nodePort: number;
}

export function keepalivedObjects(t: LoadBalancerTarget): {
  configMap: k8s.V1ConfigMap;
  daemonSet: k8s.V1DaemonSet;
} {
  const name = kamajiObjectNames(t.cluster.name).keepalived;
  const metadata = {
    name,
    namespace: t.cluster.namespace,
    labels: { [DPU_CLUSTER_LABEL]: t.cluster.name },
    ownerReferences: ownedByCluster(t.cluster),
  };
  const k = t.keepalived;
  const configMap: k8s.V1ConfigMap = { metadata, data: { 'keepalived.conf.tmpl': CONF_TEMPLATE } };
  const daemonSet: k8s.V1DaemonSet = {
    metadata,
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name } },
        spec: {
          ...(k.nodeSelector ? { nodeSelector: k.nodeSelector } : {}),
          hostNetwork: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          restartPolicy: 'Always',
          tolerations: CONTROL_PLANE_ROLES.map((key) => ({ key, operator: 'Exists', effect: 'NoSchedule' })),
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: CONTROL_PLANE_ROLES.map((key) => ({
                  matchExpressions: [{ key, operator: 'Exists' }],
                })),
              },
            },
          },
          initContainers: [
            {
              name: 'create-conf',
              image: 'alpine:3.20.3',
              imagePullPolicy: 'IfNotPresent',
              command: [
                '/bin/sh',
                '-c',
                'PRIORITY=$(echo ${NODE_IP} | cut -d. -f4)\nsed "s/INTERFACE/${INTERFACE}/g; s/VIRTUAL_ROUTER_ID/${VIRTUAL_ROUTER_ID}/g; s/PRIORITY/${PRIORITY}/g; s/NODE_PORT/${NODE_PORT}/g; s/VIRTUAL_IP/${VIRTUAL_IP}/g; s/NODE_IP/${NODE_IP}/g" /conf-template/keepalived.conf.tmpl > /conf/keepalived.conf',
              ],
              env: [
                { name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
                { name: 'INTERFACE', value: k.interface },
                { name: 'VIRTUAL_ROUTER_ID', value: String(k.virtualRouterID) },
                { name: 'NODE_PORT', value: String(t.nodePort) },
                { name: 'VIRTUAL_IP', value: k.vip },
              ],
              volumeMounts: [
                { mountPath: '/conf-template', name: 'conf-template', readOnly: true },
                { mountPath: '/conf', name: 'conf' },
              ],
            },
          ],
          containers: [
            {
              name: 'keepalived',
              image: k.image ?? DEFAULT_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              resources: { limits: { memory: '512Mi' }, requests: { cpu: '5m', memory: '64Mi' } },
              securityContext: { privileged: true },
              volumeMounts: [{ mountPath: '/usr/local/etc/keepalived', name: 'conf' }],
            },
          ],
          volumes: [
            { name: 'conf', emptyDir: { sizeLimit: '50Mi' } },
            { name: 'conf-template', configMap: { defaultMode: 0o644, name } },
          ],
        },
      },
    },
  };
  return { configMap, daemonSet };
}

/** Creates the ConfigMap and DaemonSet, or replaces their spec when they exist (a changed VIP or port). */
export async function applyLoadBalancer(host: Kube, t: LoadBalancerTarget): Promise<string> {
  const { configMap, daemonSet } = keepalivedObjects(t);
  const namespace = t.cluster.namespace;
  const name = configMap.metadata!.name!;
  const apps = host.kc.makeApiClient(kubeClientModule().AppsV1Api);
  await createOrReplace(
    () => host.core.createNamespacedConfigMap({ namespace, body: configMap }),
    async () => {
      const cur = await host.core.readNamespacedConfigMap({ namespace, name });
      await host.core.replaceNamespacedConfigMap({
        namespace,
        name,
        body: {
          ...configMap,
          metadata: { ...configMap.metadata, resourceVersion: cur.metadata?.resourceVersion },
        },
      });
    },
  );
  await createOrReplace(
    () => apps.createNamespacedDaemonSet({ namespace, body: daemonSet }),
    async () => {
      const cur = await apps.readNamespacedDaemonSet({ namespace, name });
      await apps.replaceNamespacedDaemonSet({
        namespace,
        name,
        body: {
          ...daemonSet,
          metadata: { ...daemonSet.metadata, resourceVersion: cur.metadata?.resourceVersion },
        },
      });
    },
  );
  return `keepalived ${namespace}/${name} holds VIP ${t.keepalived.vip} for NodePort ${t.nodePort}`;
}

async function createOrReplace(create: () => Promise<unknown>, replace: () => Promise<void>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
    await replace();
  }
}

/** Deletes the keepalived DaemonSet and ConfigMap of the cluster; what is gone already is fine. Names what it deleted. */
export async function deleteLoadBalancer(
  host: Kube,
  cluster: { name: string; namespace: string },
): Promise<string[]> {
  const name = kamajiObjectNames(cluster.name).keepalived;
  const namespace = cluster.namespace;
  const apps = host.kc.makeApiClient(kubeClientModule().AppsV1Api);
  const deleted: string[] = [];
  for (const [kind, del] of [
    ['DaemonSet', () => apps.deleteNamespacedDaemonSet({ namespace, name })],
    ['ConfigMap', () => host.core.deleteNamespacedConfigMap({ namespace, name })],
  ] as const) {
    try {
      await del();
      deleted.push(`${kind} ${namespace}/${name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return deleted;
}
