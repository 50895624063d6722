/**
 * The guest side in charts/xpuflow (templates/guest.yaml): installed in a guest
 * cluster with guest.enabled and the host's components off, it renders only the
 * guest's ServiceAccount, its Role on VFClaims and the `xpuflow worker guest`
 * Deployment; values.schema.json refuses a guest install that leaves a host
 * component on or names no cluster. The Role is then applied for real to a
 * kube-apiserver (RBAC on) and the guest side's own calls (the VFClaim
 * informer, the controller's finalizer, the worker's status write and
 * finalizer release) are made with a token of that ServiceAccount: the rights
 * it grants are the ones the code needs, and no more (another namespace's
 * claims and Secrets are refused).
 */
import * as k8s from '@kubernetes/client-node';
import { guestVfClaimActivities } from '../../activities/kube/guest-vf-claim';
import { customInformer } from '../../controllers/informers';
import { addFinalizer } from '../../controllers/object-workflow';
import { VF_CLAIM_FINALIZER, type VfClaimResource } from '../../model/resources/vf-claim';
import { Kube } from '../../platform/kube/client';
import { installCrds, KubeApiservers, type KubeCluster } from '../../sim/kube';
import { waitFor } from '../support/wait-for';
import { helm, CHART, REQUIRED_VALUES, renderChart, type K8sObject } from './helm';

const HOST_OFF = {
  'controller.enabled': 'false',
  'controlWorker.enabled': 'false',
  'hostWorker.enabled': 'false',
  'dpuWorker.enabled': 'false',
};
const GUEST = { ...HOST_OFF, 'guest.enabled': 'true', 'guest.cluster': 'guest-a' };
const NS = 'xpuflow-system';

interface Container {
  args: string[];
  env: Array<{ name: string; value?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
const deploymentOf = (objs: K8sObject[]) => {
  const d = objs.find((o) => o.kind === 'Deployment') as
    | (K8sObject & { spec: { template: { spec: { serviceAccountName: string; containers: Container[] } } } })
    | undefined;
  if (!d) throw new Error(`no Deployment rendered: ${objs.map((o) => o.kind).join(', ')}`);
  return d;
};
const envOf = (c: Container) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));
const templateArgs = (set: Record<string, string>) => {
  const args = ['template', 'xpuflow', CHART, '--namespace', NS];
  for (const [k, v] of Object.entries({ ...REQUIRED_VALUES, ...set })) args.push('--set', `${k}=${v}`);
  return helm(args);
};

describe('rendered', () => {
  test('guest mode renders the guest side alone: its ServiceAccount, a Role on VFClaims, the worker guest Deployment', () => {
    const objs = renderChart(GUEST);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.namespace}`).sort()).toEqual([
      `Deployment/xpuflow-guest@${NS}`,
      `Role/xpuflow-guest@${NS}`,
      `RoleBinding/xpuflow-guest@${NS}`,
      `ServiceAccount/xpuflow-guest@${NS}`,
    ]);
    const role = objs.find((o) => o.kind === 'Role') as K8sObject & { rules: unknown[] };
    expect(role.rules).toEqual([
      {
        apiGroups: ['provisioning.xpuflow.dev'],
        resources: ['vfclaims'],
        verbs: ['get', 'list', 'watch', 'patch'],
      },
      { apiGroups: ['provisioning.xpuflow.dev'], resources: ['vfclaims/status'], verbs: ['patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
    ]);
    const d = deploymentOf(objs);
    expect(d.spec.template.spec.serviceAccountName).toBe('xpuflow-guest');
    const [c] = d.spec.template.spec.containers;
    expect(c.args).toEqual(['worker', 'guest']);
    expect(envOf(c)).toEqual({
      TEMPORAL_ADDRESS: 'temporal-frontend.temporal:7233',
      TEMPORAL_NAMESPACE: 'default',
      XPUFLOW_GUEST_CLUSTER: 'guest-a',
      XPUFLOW_WATCH_NAMESPACE: NS,
    });
    expect(c.volumeMounts).toBeUndefined();
  });

  test("the host's Temporal with TLS, and another watched namespace: the Role goes where the claims are", () => {
    const objs = renderChart({
      ...GUEST,
      'temporal.address': 'temporal.host.example.com:7233',
      'temporal.tlsSecret': 'temporal-tls',
      'guest.watchNamespace': 'tenant',
    });
    const c = deploymentOf(objs).spec.template.spec.containers[0];
    expect(envOf(c)).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal.host.example.com:7233',
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/xpuflow/temporal-tls/tls.crt',
      XPUFLOW_WATCH_NAMESPACE: 'tenant',
    });
    expect(c.volumeMounts).toEqual([
      { name: 'temporal-tls', mountPath: '/etc/xpuflow/temporal-tls', readOnly: true },
    ]);
    for (const kind of ['Role', 'RoleBinding'])
      expect(objs.find((o) => o.kind === kind)?.metadata.namespace).toBe('tenant');
  });

  test('off by default: a host install renders no guest object', () => {
    expect(renderChart().filter((o) => o.metadata.name.endsWith('-guest'))).toEqual([]);
  });

  test("values.schema.json: guest.enabled alone is refused naming the host's components to turn off and guest.cluster", () => {
    const r = templateArgs({ 'guest.enabled': 'true' });
    expect(r.status).not.toBe(0);
    for (const field of ['controller', 'controlWorker', 'hostWorker', 'dpuWorker'])
      expect(r.stderr).toContain(`at '/${field}/enabled': value must be false`);
    expect(r.stderr).toContain("at '/guest/cluster': minLength: got 0, want 1");
  });

  test('a guest cluster name that is no DNS name is refused, named', () => {
    const r = templateArgs({ ...GUEST, 'guest.cluster': 'Guest_A' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/at '\/guest\/cluster'.*Guest_A/);
  });
});

describe('the Role against a real kube-apiserver (RBAC on), with a token of the guest ServiceAccount', () => {
  const apis = new KubeApiservers();
  let guest: KubeCluster;
  let admin: Kube;
  let asGuest: k8s.KubeConfig;

  beforeAll(async () => {
    [guest] = await apis.start(['guest']);
    await installCrds(guest.kc);
    admin = new Kube(guest.kc);
    for (const name of [NS, 'other']) await admin.core.createNamespace({ body: { metadata: { name } } });
    const objs = renderChart(GUEST);
    const body = (kind: string) => {
      const o = objs.find((x) => x.kind === kind)!;
      return o as never;
    };
    const rbac = guest.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await admin.core.createNamespacedServiceAccount({ namespace: NS, body: body('ServiceAccount') });
    await rbac.createNamespacedRole({ namespace: NS, body: body('Role') });
    await rbac.createNamespacedRoleBinding({ namespace: NS, body: body('RoleBinding') });
    const token = await admin.core.createNamespacedServiceAccountToken({
      namespace: NS,
      name: 'xpuflow-guest',
      body: { spec: { expirationSeconds: 600, audiences: [] } },
    });
    const cluster = guest.kc.getCurrentCluster()!;
    asGuest = new k8s.KubeConfig();
    asGuest.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'guest-sa', token: token.status!.token }],
      contexts: [{ name: 'guest-sa', cluster: cluster.name, user: 'guest-sa', namespace: NS }],
      currentContext: 'guest-sa',
    });
  }, 600_000);

  afterAll(async () => {
    await apis.stop();
  }, 60_000);

  test("the guest side's calls succeed with the Role's rights alone; another namespace's claims and Secrets are refused", async () => {
    const spec = { nodeName: 'host-1', pfAddress: '0000:5e:00.0', vmName: 'vm1' };
    const made = await admin.create<VfClaimResource>('VFClaim', NS, { metadata: { name: 'vm1-vf' }, spec });
    // The controller's informer: list, then watch.
    const informer = customInformer<VfClaimResource & k8s.KubernetesObject>(asGuest, 'VFClaim', NS);
    const seen = new Promise<VfClaimResource>((resolve) => informer.on('add', resolve));
    await informer.start();
    const claim = await seen;
    await informer.stop();
    expect(claim.metadata.uid).toBe(made.metadata.uid);
    const kube = new Kube(asGuest);
    // The controller's finalizer, then the worker's status write.
    expect(await addFinalizer(kube, 'VFClaim', claim.metadata, VF_CLAIM_FINALIZER)).toBe(true);
    const guestRef = { cluster: 'guest-a', namespace: NS, name: 'vm1-vf', uid: claim.metadata.uid! };
    const act = guestVfClaimActivities(kube);
    await act.reportGuestVfClaim({
      guest: guestRef,
      status: { phase: 'Attached', vfAddress: '0000:5e:00.2' },
    });
    const reported = await admin.get<VfClaimResource>('VFClaim', { namespace: NS, name: 'vm1-vf' });
    expect(reported?.status?.phase).toBe('Attached');
    expect(reported?.metadata.finalizers).toEqual([VF_CLAIM_FINALIZER]);
    // Deleted in the guest cluster: the worker lets the finalizer go once the host released the VF.
    await admin.delete('VFClaim', { namespace: NS, name: 'vm1-vf' });
    await act.releaseGuestVfClaim({ guest: guestRef });
    await waitFor(
      'the claim gone',
      async () => !(await admin.get('VFClaim', { namespace: NS, name: 'vm1-vf' })),
      {
        timeoutMs: 10_000,
      },
    );

    // A pod claim: the guest side reads the pod to find the node (its VM) it runs on.
    await admin.core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'p1' },
        spec: { nodeName: 'gnode-1', containers: [{ name: 'c', image: 'x' }] },
      },
    });
    expect(await act.resolveGuestPodVm({ guest: guestRef, pod: 'p1' })).toEqual({
      vm: 'gnode-1',
      guestNode: 'gnode-1',
    });

    const forbidden = (p: Promise<unknown>) =>
      p.then(
        () => 'allowed',
        (err: unknown) => (err as { code?: number }).code,
      );
    expect(await forbidden(kube.list('VFClaim', 'other'))).toBe(403);
    expect(await forbidden(kube.core.listNamespacedSecret({ namespace: NS }))).toBe(403);
    expect(await forbidden(kube.create('VFClaim', NS, { metadata: { name: 'x' }, spec }))).toBe(403);
  });
});
