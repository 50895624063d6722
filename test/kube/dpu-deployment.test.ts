/**
 * DPUDeployment against real kube-apiservers (host and DPU cluster), a real
 * Temporal dev server and the simulators: the API server refuses bad input
 * naming the field; a deployment naming a template that does not exist waits
 * with a condition naming it; services that do not fit the flavor, or a BFB
 * that does not satisfy a template, are refused naming which, with nothing
 * made; a deployment rolled from one BFB and service version to the next
 * takes each DPU down exactly once (one cordon per host node, one flash per
 * DPU), and its services move with it, each DPU counted done only once its
 * services run there; a change of the services only moves them with no drain
 * and no flash; services that never run time out naming the service and the
 * DPU; a deleted deployment removes what it made in order and lets go. The
 * test plays Argo CD in the DPU cluster (its real Application CRD).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { DpuResource, DpuSetResource, KubeCondition } from '../../model/resources/common';
import type { DpuDeploymentResource } from '../../model/resources/dpu-deployment';
import type { DpuServiceResource } from '../../model/resources/dpu-service';
import type {
  DpuServiceChainResource,
  DpuServiceInterfaceResource,
} from '../../model/resources/service-chain';
import { deploymentProgressQuery } from '../../model/dpu-deployment-api';
import { serviceRevisionLabelKey } from '../../model/dpu-deployment';
import { dpuObjectName } from '../../model/resources/pci-labels';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import type { SimFleet } from '../../sim/fleet';
import { distFile } from '../support/tools';
import { installArgoCrd, playArgo, type PlayedArgo } from '../../sim/argocd';
import { KubeHarness, NS } from './kube-harness';

const run = promisify(execFile);

jest.setTimeout(240_000);

const h = new KubeHarness();
let fleet: SimFleet;
let argo: PlayedArgo;
/** Values that Argo CD never gets Healthy (the chart's pods never become Ready). */
const NEVER_READY = 'never-ready';
const SERVICES_TIMEOUT_SECONDS = 2;

const CHART = { repoURL: 'oci://registry.example/charts', chart: 'firewall' };

async function createBfb(name: string, file: string, doca: string): Promise<void> {
  await h.kube.create('BFB', NS, {
    metadata: { name },
    spec: { url: h.bfb.url(file), sha256: h.bfb.sha256(file), versions: { doca } },
  });
}

async function template(name: string, service: string, version: string, extra: object = {}): Promise<void> {
  await h.kube.create('DPUServiceTemplate', NS, {
    metadata: { name },
    spec: {
      deploymentServiceName: service,
      helmChart: { source: { ...CHART, version }, values: { image: { tag: version }, replicas: 1 } },
      resourceRequirements: { cpu: '1', memory: '1Gi' },
      versions: { doca: '>=2.9.0' },
      ...extra,
    },
  });
}

async function configuration(name: string, service: string, values: object, interfaces?: object[]) {
  await h.kube.create('DPUServiceConfiguration', NS, {
    metadata: { name },
    spec: {
      deploymentServiceName: service,
      serviceConfiguration: { helmChart: { values } },
      ...(interfaces ? { interfaces } : {}),
    },
  });
}

function deployment(
  name: string,
  spec: { bfb: string; flavor?: string; selector?: object; services: object; chains?: object },
) {
  return {
    metadata: { name },
    spec: {
      dpus: {
        bfb: spec.bfb,
        ...(spec.flavor ? { flavor: spec.flavor } : {}),
        nodeEffect: { drain: { timeoutSeconds: 60 } },
        cluster: { name: 'dpu-cluster', nodeLabels: { 'xpuflow.dev/role': 'dpu' } },
        dpuSets: [
          {
            nameSuffix: 'rack',
            nodeSelector: spec.selector ?? { matchLabels: { 'xpuflow.dev/deployment': 'edge' } },
          },
        ],
        dpuSetStrategy: { rollingUpdate: { maxUnavailable: 1 } },
      },
      services: spec.services,
      ...(spec.chains ? { serviceChains: spec.chains } : {}),
    },
  };
}

const cond = (d: DpuDeploymentResource | undefined, type: string): KubeCondition | undefined =>
  d?.status?.conditions?.find((c) => c.type === type);
const getDeployment = (name: string) =>
  h.kube.get<DpuDeploymentResource>('DPUDeployment', { namespace: NS, name });

beforeAll(async () => {
  await h.start();
  fleet = await h.hosts('edge', 2, { 'xpuflow.dev/deployment': 'edge' }, { flashMs: 500, rebootMs: 200 });
  await h.kube.create('DPUFlavor', NS, {
    metadata: { name: 'small' },
    spec: { dpuResources: { cpu: '4', memory: '8Gi' }, systemReservedResources: { cpu: '1' } },
  });
  await createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb', '2.9.1');
  await installArgoCrd(h.dpuCluster.kc);
  argo = playArgo({
    clusters: { 'dpu-cluster': h.dpuKube },
    intervalMs: 200,
    health: (_c, app) =>
      app.spec.source.helm.valuesObject.rules === NEVER_READY ? 'Progressing' : 'Healthy',
  });
  // Read by the DPUDeployment controller (in this process) when it starts.
  process.env.XPUFLOW_DEPLOYMENT_SERVICES_TIMEOUT_SECONDS = String(SERVICES_TIMEOUT_SECONDS);
  await h.startControllers();
});
afterAll(async () => {
  argo?.stop();
  delete process.env.XPUFLOW_DEPLOYMENT_SERVICES_TIMEOUT_SECONDS;
  await h.dispose();
});

test('the API server refuses bad input, naming the field', async () => {
  const refused = async (kind: 'DPUDeployment' | 'DPUServiceTemplate', body: object) => {
    try {
      await h.kube.create(kind, NS, body);
    } catch (err) {
      return String((err as { body?: unknown }).body ?? err);
    }
    throw new Error(`${kind} ${JSON.stringify(body)} was accepted`);
  };
  expect(
    await refused(
      'DPUDeployment',
      deployment('a-name-longer-than-twenty', {
        bfb: 'b',
        services: { fw: { serviceTemplate: 't', serviceConfiguration: 'c' } },
      }),
    ),
  ).toContain('metadata.name a-name-longer-than-twenty is longer than 20 characters');
  expect(
    await refused(
      'DPUDeployment',
      deployment('chain', {
        bfb: 'b',
        services: { fw: { serviceTemplate: 't', serviceConfiguration: 'c' } },
        chains: { switches: [{ ports: [{ service: { name: 'lb', interface: 'in' } }] }] },
      }),
    ),
  ).toContain('spec.serviceChains.switches[].ports[].service.name must be a key of spec.services');
  const badTemplate = await refused('DPUServiceTemplate', {
    metadata: { name: 'bad' },
    spec: {
      deploymentServiceName: 'fw',
      helmChart: { source: { ...CHART, version: '1' } },
      resourceRequirements: { cpu: 'lots' },
      versions: { doca: 'about 2' },
    },
  });
  expect(badTemplate).toMatch(/spec.resourceRequirements.cpu in body should match/);
  expect(badTemplate).toContain('DPUServiceTemplate spec.versions: about 2 is not a version constraint');
});

test('a deployment naming a template that does not exist waits with a condition naming it, then goes on when it appears', async () => {
  await configuration('lb-cfg', 'lb', { mode: 'l4' }, [
    { name: 'in', network: 'mybrsfc' },
    { name: 'out', network: 'mybrsfc' },
  ]);
  await h.kube.create(
    'DPUDeployment',
    NS,
    deployment('waits', {
      bfb: 'bf-2-9-1',
      flavor: 'small',
      selector: { matchLabels: { 'xpuflow.dev/none': 'none' } },
      services: { lb: { serviceTemplate: 'lb-v1', serviceConfiguration: 'lb-cfg' } },
      chains: {
        switches: [
          {
            ports: [
              { service: { name: 'lb', interface: 'in' } },
              { service: { name: 'lb', interface: 'out' } },
            ],
          },
        ],
      },
    }),
  );
  const waiting = await h.waitFor('PrerequisitesReady False', async () => {
    const c = cond(await getDeployment('waits'), 'PrerequisitesReady');
    return c?.status === 'False' ? c : undefined;
  });
  expect(waiting).toMatchObject({
    reason: 'ServiceTemplateNotFound',
    message: `waiting for DPUServiceTemplate lb-v1 (spec.services.lb.serviceTemplate) in namespace ${NS}: create it or fix the name`,
  });
  expect(await h.kube.list('DPUSet', NS, 'provisioning.xpuflow.dev/dpudeployment=waits')).toEqual([]);

  await template('lb-v1', 'lb', '1.0.0');
  const dep = await h.waitFor('PrerequisitesReady True', async () => {
    const d = await getDeployment('waits');
    return cond(d, 'PrerequisitesReady')?.status === 'True' ? d : undefined;
  });
  expect(cond(dep, 'ResourceFittingReady')?.status).toBe('True');
  expect(cond(dep, 'VersionMatchingReady')?.status).toBe('True');
  // What it made is owned by it: the DPUSet, the DPUService of the revision, the interfaces and the chain.
  const owned = (o: {
    metadata: { ownerReferences?: Array<{ kind: string; uid: string; controller?: boolean }> };
  }) =>
    o.metadata.ownerReferences?.some(
      (r) => r.kind === 'DPUDeployment' && r.uid === dep.metadata.uid && r.controller,
    );
  const set = (await h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name: 'waits-rack' }))!;
  expect(owned(set)).toBe(true);
  expect(set.spec.strategy?.type).toBe('OnDelete');
  const services = await h.kube.list<DpuServiceResource>(
    'DPUService',
    NS,
    'provisioning.xpuflow.dev/dpudeployment=waits',
  );
  expect(services).toHaveLength(1);
  expect(owned(services[0])).toBe(true);
  // The configuration's values win over the template's.
  expect(services[0].spec.helmChart.values).toEqual({ image: { tag: '1.0.0' }, replicas: 1, mode: 'l4' });
  const ifaces = await h.kube.list<DpuServiceInterfaceResource>(
    'DPUServiceInterface',
    NS,
    'provisioning.xpuflow.dev/dpudeployment=waits',
  );
  expect(ifaces.map((i) => i.metadata.name).sort()).toEqual(['waits-lb-in', 'waits-lb-out']);
  expect(ifaces.every(owned)).toBe(true);
  const chain = (await h.kube.get<DpuServiceChainResource>('DPUServiceChain', {
    namespace: NS,
    name: 'waits',
  }))!;
  expect(owned(chain)).toBe(true);
  expect(chain.spec.switches).toEqual([
    { ports: [{ serviceInterface: 'waits-lb-in' }, { serviceInterface: 'waits-lb-out' }] },
  ]);
});

test('services that do not fit the flavor, and a BFB a template does not accept, are refused naming which; nothing is made', async () => {
  await template('big-v1', 'big', '1.0.0', { resourceRequirements: { cpu: '2' } });
  await template('huge-v1', 'huge', '1.0.0', { resourceRequirements: { cpu: '2' } });
  await configuration('big-cfg', 'big', {});
  await configuration('huge-cfg', 'huge', {});
  await h.kube.create(
    'DPUDeployment',
    NS,
    deployment('nofit', {
      bfb: 'bf-2-9-1',
      flavor: 'small',
      services: {
        big: { serviceTemplate: 'big-v1', serviceConfiguration: 'big-cfg' },
        huge: { serviceTemplate: 'huge-v1', serviceConfiguration: 'huge-cfg' },
      },
    }),
  );
  const fit = await h.waitFor('ResourceFittingReady False', async () => {
    const c = cond(await getDeployment('nofit'), 'ResourceFittingReady');
    return c?.status === 'False' ? c : undefined;
  });
  expect(fit.reason).toBe('ResourcesDoNotFit');
  expect(fit.message).toContain(
    'services big (cpu 2), huge (cpu 2) need cpu 4 but DPUFlavor small offers 3 (dpuResources 4 minus systemReservedResources 1)',
  );

  await template('new-v1', 'new', '1.0.0', { versions: { doca: '>=3.0.0' } });
  await configuration('new-cfg', 'new', {});
  await h.kube.create(
    'DPUDeployment',
    NS,
    deployment('tooold', {
      bfb: 'bf-2-9-1',
      flavor: 'small',
      services: { new: { serviceTemplate: 'new-v1', serviceConfiguration: 'new-cfg' } },
    }),
  );
  const version = await h.waitFor('VersionMatchingReady False', async () => {
    const c = cond(await getDeployment('tooold'), 'VersionMatchingReady');
    return c?.status === 'False' ? c : undefined;
  });
  expect(version.reason).toBe('VersionMismatch');
  expect(version.message).toContain(
    'DPUServiceTemplate new-v1 needs doca >=3.0.0 but BFB bf-2-9-1 has doca 2.9.1',
  );

  for (const name of ['nofit', 'tooold']) {
    const label = `provisioning.xpuflow.dev/dpudeployment=${name}`;
    expect(await h.kube.list('DPUSet', NS, label)).toEqual([]);
    expect(await h.kube.list('DPUService', NS, label)).toEqual([]);
  }
  expect(await h.kube.list<DpuResource>('DPU', NS)).toEqual([]);
});

test('a deployment rolled from one BFB and service version to the next takes each DPU down exactly once', async () => {
  await template('fw-v1', 'fw', '1.0.0');
  await configuration('fw-cfg', 'fw', { rules: 'allow-all' });
  await h.kube.create(
    'DPUDeployment',
    NS,
    deployment('edge', {
      bfb: 'bf-2-9-1',
      flavor: 'small',
      services: { fw: { serviceTemplate: 'fw-v1', serviceConfiguration: 'fw-cfg' } },
    }),
  );
  const names = fleet.dpus.map((d) => dpuObjectName(d.host.node, d.spec.pciAddress));
  const readyOn = async (n: string, bfb: string) => {
    const d = await h.dpu(n);
    return (
      !!d &&
      d.spec.bfb === bfb &&
      d.status?.phase === 'Ready' &&
      (d.status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
    );
  };
  for (const n of names) await h.waitFor(`${n} Ready on bf-2-9-1`, () => readyOn(n, 'bf-2-9-1'), 120_000);
  // Counted done only once its services run there (the services step labels its node first).
  const first = await h.waitFor('the first rollout complete', async () => {
    const d = await getDeployment('edge');
    return cond(d, 'RolloutProgressing')?.reason === 'RolloutComplete' ? d : undefined;
  });
  // The controller woke the rollout as the set's DPUs came up (the workflow's own poll is 30 s).
  const history = await h.client.workflow.getHandle(first.status!.workflowId!).fetchHistory();
  expect(
    history.events?.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'deploymentDpusChanged',
    ).length,
  ).toBeGreaterThan(0);
  const v1 = (
    await h.kube.list<DpuServiceResource>('DPUService', NS, 'provisioning.xpuflow.dev/dpudeployment=edge')
  )[0];
  const labelKey = serviceRevisionLabelKey('edge', 'fw');
  for (const n of names) {
    const node = await h.dpuKube.getNode(dpuClusterNodeName(NS, n));
    expect(node?.metadata?.labels?.[labelKey]).toBe(v1.spec.nodeSelector![labelKey]);
  }

  // Count every cordon of the host nodes and every flash of the DPUs from now on.
  const counting = await countDisruptions();

  // The next BFB and the next service version, in one change of the deployment.
  await createBfb('bf-2-9-2', 'bf-bundle-2.9.2.bfb', '2.9.2');
  await template('fw-v2', 'fw', '2.0.0');
  await h.kube.patch(
    'DPUDeployment',
    { namespace: NS, name: 'edge' },
    {
      spec: {
        dpus: { bfb: 'bf-2-9-2' },
        services: { fw: { serviceTemplate: 'fw-v2', serviceConfiguration: 'fw-cfg' } },
      },
    },
  );
  for (const n of names) await h.waitFor(`${n} Ready on bf-2-9-2`, () => readyOn(n, 'bf-2-9-2'), 150_000);
  const done = await h.waitFor('RolloutComplete', async () => {
    const d = await getDeployment('edge');
    return cond(d, 'RolloutProgressing')?.reason === 'RolloutComplete' &&
      d!.status!.revision !== first.status!.revision
      ? d
      : undefined;
  });
  const disruptions = counting.stop();

  // Exactly one disruption per DPU: one cordon of its host, one flash.
  for (const [i, d] of fleet.dpus.entries()) {
    expect(disruptions.cordonsOf.get(d.host.node)).toBe(1);
    expect(disruptions.flashesOf[i]).toBe(1);
  }
  // The services moved with the flash: each DPU node carries the new revision, which the new DPUService selects.
  const services = await h.waitFor("the old revision's DPUService deleted", async () => {
    const s = await h.kube.list<DpuServiceResource>(
      'DPUService',
      NS,
      'provisioning.xpuflow.dev/dpudeployment=edge',
    );
    return s.length === 1 && s[0].metadata.name !== v1.metadata.name ? s : undefined;
  });
  expect(services[0].spec.helmChart.source.version).toBe('2.0.0');
  for (const n of names) {
    const node = await h.dpuKube.getNode(dpuClusterNodeName(NS, n));
    expect(node?.metadata?.labels?.[labelKey]).toBe(services[0].spec.nodeSelector![labelKey]);
  }
  // The DPUSet did not roll on its own: no dpusetRollout ran; the deployment's workflow holds the plan and progress.
  expect(await h.workflowIds('dpusetRollout')).toEqual([]);
  const progress = await h.client.workflow.getHandle(done.status!.workflowId!).query(deploymentProgressQuery);
  expect(progress).toMatchObject({
    phase: 'Ready',
    plan: {
      revision: done.status!.revision,
      template: { bfb: 'bf-2-9-2' },
      services: [{ service: 'fw', version: '2.0.0' }],
    },
  });
  expect(progress.dpus).toEqual(names.sort().map((dpu) => ({ dpu, step: 'Ready' })));

  h.captureHistory(done.status!.workflowId!, 'dpu-deployment-rolled.json');

  // `xpuflow deployment status` shows the same: checks, plan, each DPU's step.
  const { stdout } = await run(
    process.execPath,
    [distFile('cli/main.js'), 'deployment', 'status', 'edge', '-n', NS],
    { env: { ...process.env, ...h.temporalEnv, XPUFLOW_KUBECONFIG: h.host.kubeconfigPath } },
  );
  expect(stdout).toContain(`DPUDeployment ${NS}/edge`);
  expect(stdout).toContain('VersionMatchingReady=True');
  expect(stdout).toContain(`rollout: Ready: all 2 DPUs on revision ${done.status!.revision}`);
  expect(stdout).toContain(`service fw: firewall 2.0.0 as DPUService ${services[0].metadata.name}`);
  for (const n of names) expect(stdout).toMatch(new RegExp(`${n}\\s+Ready`));
});

/**
 * Counts cordons of the host nodes (from the API server's watch) and flashes of the DPUs from now
 * on: per host node and per DPU of the fleet (in fleet order), and in all.
 */
async function countDisruptions() {
  const cordonsOf = new Map<string, number>();
  const unschedulable = new Map<string, boolean>();
  const watch = await new k8s.Watch(h.host.kc).watch(
    '/api/v1/nodes',
    {},
    (_t, node: k8s.V1Node) => {
      const name = node.metadata!.name!;
      const now = !!node.spec?.unschedulable;
      if (now && !unschedulable.get(name)) cordonsOf.set(name, (cordonsOf.get(name) ?? 0) + 1);
      unschedulable.set(name, now);
    },
    () => undefined,
  );
  const flashesBefore = fleet.dpus.map((d) => d.dms.counters.flashes);
  return {
    stop() {
      watch.abort();
      const flashesOf = fleet.dpus.map((d, i) => d.dms.counters.flashes - flashesBefore[i]);
      return {
        cordonsOf,
        flashesOf,
        cordons: [...cordonsOf.values()].reduce((a, b) => a + b, 0),
        flashes: flashesOf.reduce((a, b) => a + b, 0),
      };
    },
  };
}

const edgeServices = () =>
  h.kube.list<DpuServiceResource>('DPUService', NS, 'provisioning.xpuflow.dev/dpudeployment=edge');

test('a change of the services only moves them in place: no drain, no flash, the DPUs keep their generation', async () => {
  const names = fleet.dpus.map((d) => dpuObjectName(d.host.node, d.spec.pciAddress)).sort();
  const before = (await getDeployment('edge'))!;
  const generations = await Promise.all(names.map(async (n) => (await h.dpu(n))!.metadata.generation));
  const [old] = await edgeServices();
  const counting = await countDisruptions();

  await h.kube.patch(
    'DPUServiceConfiguration',
    { namespace: NS, name: 'fw-cfg' },
    { spec: { serviceConfiguration: { helmChart: { values: { rules: 'deny-all' } } } } },
  );
  const moved = await h.waitFor('the services-only rollout Ready, the old DPUService deleted', async () => {
    const progress = await h.client.workflow
      .getHandle(before.status!.workflowId!)
      .query(deploymentProgressQuery);
    const s = await edgeServices();
    return progress.phase === 'Ready' &&
      progress.plan?.servicesRevision !== undefined &&
      s.length === 1 &&
      s[0].metadata.name !== old.metadata.name
      ? { progress, service: s[0] }
      : undefined;
  });
  const { cordons, flashes } = counting.stop();
  expect({ cordons, flashes }).toEqual({ cordons: 0, flashes: 0 });
  // The DPU template did not change: same revision, same DPU generations.
  expect((await getDeployment('edge'))!.status!.revision).toBe(before.status!.revision);
  expect(await Promise.all(names.map(async (n) => (await h.dpu(n))!.metadata.generation))).toEqual(
    generations,
  );
  expect(moved.service.spec.helmChart.values).toMatchObject({ rules: 'deny-all', image: { tag: '2.0.0' } });
  const labelKey = serviceRevisionLabelKey('edge', 'fw');
  for (const n of names) {
    const node = await h.dpuKube.getNode(dpuClusterNodeName(NS, n));
    expect(node?.metadata?.labels?.[labelKey]).toBe(moved.service.spec.nodeSelector![labelKey]);
  }
  expect(moved.progress.dpus).toEqual(names.map((dpu) => ({ dpu, step: 'Ready' })));
});

test('services that never run on a DPU time out with a condition naming the service and the DPU', async () => {
  const names = fleet.dpus.map((d) => dpuObjectName(d.host.node, d.spec.pciAddress)).sort();
  await h.kube.patch(
    'DPUServiceConfiguration',
    { namespace: NS, name: 'fw-cfg' },
    { spec: { serviceConfiguration: { helmChart: { values: { rules: NEVER_READY } } } } },
  );
  const failed = await h.waitFor(
    'RolloutFailed',
    async () => {
      const c = cond(await getDeployment('edge'), 'RolloutProgressing');
      return c?.reason === 'RolloutFailed' ? c : undefined;
    },
    60_000,
  );
  for (const n of names)
    expect(failed.message).toContain(
      `${n}: service fw not running on DPU ${n} within ${SERVICES_TIMEOUT_SECONDS} s`,
    );
  // The DPUService of the last good revision stays: the DPUs that failed may still run it.
  expect((await edgeServices()).length).toBe(2);
});

test('a deleted deployment removes the services, chain and interfaces, then its DPUSets and DPUs, then goes; its workflow ends', async () => {
  const edge = (await getDeployment('edge'))!;
  const waits = (await getDeployment('waits'))!;
  expect(edge.metadata.finalizers).toContain('provisioning.xpuflow.dev/dpudeployment-cleanup');
  const label = (d: string) => `provisioning.xpuflow.dev/dpudeployment=${d}`;
  // When each kind was last seen, polled while the deletion runs.
  const lastSeen: Record<string, number> = {};
  let polling = true;
  const look = async () => {
    for (const kind of ['DPUService', 'DPUServiceChain', 'DPUServiceInterface', 'DPUSet'] as const)
      for (const d of ['edge', 'waits'])
        if ((await h.kube.list(kind, NS, label(d))).length) lastSeen[`${d} ${kind}`] = Date.now();
  };
  // Every Deleting message the deployments' status carried, from a watch: a step can pass between two
  // polls when its objects go fast (a poll on a loaded machine saw edge go from step 1 to released).
  const deletingMessages = new Set<string>();
  const deletingWatch = await h.watchObjects<DpuDeploymentResource>('dpudeployments', (d) => {
    const c = cond(d, 'Deleting');
    if (c) deletingMessages.add(`${d.metadata.name}: ${c.message}`);
  });
  // One whole look before the deletes: on a slow machine the loop's first look can come after the
  // first kinds are gone, and the order below would compare with nothing.
  await look();
  for (const key of [
    'edge DPUService',
    'edge DPUSet',
    'waits DPUServiceChain',
    'waits DPUServiceInterface',
    'waits DPUSet',
  ])
    expect([key, lastSeen[key] !== undefined]).toEqual([key, true]);
  const poll = (async () => {
    while (polling) {
      await look();
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  await h.kube.delete('DPUDeployment', { namespace: NS, name: 'edge' });
  await h.kube.delete('DPUDeployment', { namespace: NS, name: 'waits' });
  for (const d of ['edge', 'waits'])
    await h.waitFor(`DPUDeployment ${d} gone`, async () => !(await getDeployment(d)), 90_000);
  polling = false;
  await poll;
  deletingWatch.abort();

  for (const d of ['edge', 'waits'])
    for (const kind of ['DPUService', 'DPUServiceChain', 'DPUServiceInterface', 'DPUSet'] as const)
      expect(await h.kube.list(kind, NS, label(d))).toEqual([]);
  expect(await h.kube.list<DpuResource>('DPU', NS)).toEqual([]);
  // In order: the DPUSets outlived the services, the chain and the interfaces.
  expect(lastSeen['edge DPUSet']).toBeGreaterThan(lastSeen['edge DPUService']);
  expect(lastSeen['waits DPUSet']).toBeGreaterThanOrEqual(lastSeen['waits DPUServiceChain']);
  expect(lastSeen['waits DPUSet']).toBeGreaterThanOrEqual(lastSeen['waits DPUServiceInterface']);
  // Progress in status while it ran.
  expect([...deletingMessages].join('\n')).toMatch(
    /edge: deleting what the DPUDeployment made \(step 2 of 2: the DPUSets and their DPUs\): waiting for .*DPU/,
  );
  for (const dep of [edge, waits]) {
    const wf = await h.client.workflow.getHandle(dep.status!.workflowId!).describe();
    expect(wf.status.name).toBe('COMPLETED');
  }
  // The whole life of one workflow: the first rollout, the BFB + services one, services only, failed, deleted.
  h.captureHistory(edge.status!.workflowId!, 'dpu-deployment-deleted.json');
});
