/**
 * The rights the controllers and the control worker use, as the chart grants
 * them (charts/xpuflow/templates/rbac.yaml: the ClusterRole, the Secrets Role
 * in the watched namespace, the leader-election Role in the release
 * namespace). The host worker's ClusterRole (host-worker-rbac.yaml) is a
 * subset of the ClusterRole's. test/chart/doctor-rights.test.ts renders the
 * chart and holds this list to it.
 */
export type RightScope = 'cluster' | 'watch-namespace' | 'lease-namespace';

export interface RequiredRule {
  scope: RightScope;
  apiGroups: string[];
  /** `resource` or `resource/subresource`. */
  resources: string[];
  verbs: string[];
}

const OWN = 'provisioning.xpuflow.dev';
const RECONCILED = [
  'dpus',
  'dpusets',
  'bfbs',
  'dpuflavors',
  'dpuclusters',
  'dpuservicecredentialrequests',
  'dpudevices',
  'dpunodes',
  'dpudiscoveries',
];
const CHAINS = ['dpuserviceinterfaces', 'dpuservicechains'];
const IPAM = ['dpuserviceipams', 'dpuservicenads'];
const sub = (resources: string[], s: string) => resources.map((r) => `${r}/${s}`);

export const REQUIRED_RULES: RequiredRule[] = [
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: RECONCILED,
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: sub(RECONCILED, 'status'),
    verbs: ['get', 'update', 'patch'],
  },
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: sub(RECONCILED, 'finalizers'),
    verbs: ['update', 'patch'],
  },
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: CHAINS,
    verbs: ['get', 'list', 'watch', 'update', 'patch'],
  },
  { scope: 'cluster', apiGroups: [OWN], resources: sub(CHAINS, 'status'), verbs: ['get', 'update', 'patch'] },
  { scope: 'cluster', apiGroups: [OWN], resources: sub(CHAINS, 'finalizers'), verbs: ['update', 'patch'] },
  // IPAM ledger and NAD finalizer: merge patches only (controllers/service-ipam-manager.ts).
  { scope: 'cluster', apiGroups: [OWN], resources: IPAM, verbs: ['get', 'list', 'watch', 'patch'] },
  { scope: 'cluster', apiGroups: [OWN], resources: sub(IPAM, 'status'), verbs: ['patch'] },
  { scope: 'cluster', apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'create', 'delete'] },
  { scope: 'cluster', apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: ['dpuservices'],
    verbs: ['get', 'list', 'watch', 'update', 'patch'],
  },
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: ['dpuservices/status', 'dpuservices/finalizers'],
    verbs: ['get', 'update', 'patch'],
  },
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: ['vfclaims', 'vfclaims/status'],
    verbs: ['get', 'create', 'patch', 'delete'],
  },
  // DPUDeployments: read with their templates and configurations; what they own is made and deleted.
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: ['dpudeployments', 'dpuservicetemplates', 'dpuserviceconfigurations'],
    verbs: ['get', 'list', 'watch'],
  },
  // The cleanup finalizer on a DPUDeployment: added and released by patch.
  { scope: 'cluster', apiGroups: [OWN], resources: ['dpudeployments'], verbs: ['patch'] },
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: ['dpudeployments/status', 'dpudeployments/finalizers'],
    verbs: ['get', 'update', 'patch'],
  },
  {
    scope: 'cluster',
    apiGroups: [OWN],
    resources: ['dpuservices', ...CHAINS],
    verbs: ['create', 'delete'],
  },
  { scope: 'cluster', apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
  {
    scope: 'cluster',
    apiGroups: [''],
    resources: ['pods'],
    verbs: ['get', 'list', 'watch', 'create', 'delete'],
  },
  { scope: 'cluster', apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  {
    scope: 'cluster',
    apiGroups: ['policy'],
    resources: ['poddisruptionbudgets'],
    verbs: ['get', 'list', 'watch'],
  },
  { scope: 'cluster', apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { scope: 'cluster', apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { scope: 'watch-namespace', apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
  {
    scope: 'watch-namespace',
    apiGroups: [''],
    resources: ['secrets'],
    verbs: ['create', 'update', 'delete'],
  },
  // kamaji DPUClusters: the TenantControlPlane, its NodePort Service and keepalived load balancer.
  {
    scope: 'watch-namespace',
    apiGroups: ['kamaji.clastix.io'],
    resources: ['tenantcontrolplanes'],
    verbs: ['get', 'list', 'watch', 'create', 'delete'],
  },
  {
    scope: 'watch-namespace',
    apiGroups: [''],
    resources: ['services', 'configmaps'],
    verbs: ['get', 'create', 'update', 'delete'],
  },
  {
    scope: 'watch-namespace',
    apiGroups: ['apps'],
    resources: ['daemonsets'],
    verbs: ['get', 'create', 'update', 'delete'],
  },
  {
    scope: 'lease-namespace',
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['get', 'create', 'update'],
  },
];

export interface Right {
  scope: RightScope;
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
}

/** One right per group, resource and verb of the rules. */
export function requiredRights(rules: RequiredRule[] = REQUIRED_RULES): Right[] {
  return rules.flatMap((rule) =>
    rule.apiGroups.flatMap((group) =>
      rule.resources.flatMap((r) => {
        const [resource, subresource] = r.split('/');
        return rule.verbs.map((verb) => ({
          scope: rule.scope,
          group,
          resource,
          ...(subresource ? { subresource } : {}),
          verb,
        }));
      }),
    ),
  );
}

/** `create pods --subresource=eviction`, `update leases.coordination.k8s.io`: as `kubectl auth can-i` takes it. */
export function rightName(r: Right): string {
  const res = r.group ? `${r.resource}.${r.group}` : r.resource;
  return `${r.verb} ${res}${r.subresource ? ` --subresource=${r.subresource}` : ''}`;
}
