/** `xpuflow service …`: status, rollout, pause and resume of DPUServices (through the Kubernetes API). */
import fs from 'node:fs';
import { Command } from 'commander';
import * as k8s from '@kubernetes/client-node';
import { apiMessage, isNotFound, Kube } from '../../platform/kube/client';
import type { DpuServiceResource, DpuServiceSpec } from '../../model/resources/dpu-service';
import { dpuServiceProblems } from '../../model/dpu-service';
import { CliError } from '../cli-error';
import { clusterKube, readClusterResource } from '../cluster-resource';
import { renderServiceStatus, rolloutOutcome } from './render';

interface Common {
  namespace: string;
}

function kube(): Kube {
  return clusterKube('DPUService');
}

function read(k: Kube, namespace: string, name: string): Promise<DpuServiceResource> {
  return readClusterResource(k, 'DPUService', namespace, name);
}

async function patchSpec(k: Kube, svc: DpuServiceResource, ops: object[]): Promise<DpuServiceResource> {
  const ref = { namespace: svc.metadata.namespace!, name: svc.metadata.name };
  try {
    return await k.jsonPatch<DpuServiceResource>('DPUService', ref, [
      { op: 'test', path: '/metadata/resourceVersion', value: svc.metadata.resourceVersion },
      ...ops,
    ]);
  } catch (err) {
    if (isNotFound(err)) throw new CliError(`DPUService ${ref.namespace}/${ref.name} is gone`);
    throw new CliError(`the API server refused the change to DPUService ${ref.name}: ${apiMessage(err)}`);
  }
}

function readValuesFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `--values-file ${file} cannot be read (${(err as Error).message}): give a YAML or JSON file`,
    );
  }
  let values: unknown;
  try {
    values = k8s.loadYaml(text);
  } catch (err) {
    throw new CliError(`--values-file ${file} is not YAML or JSON: ${(err as Error).message}`);
  }
  if (values === null || typeof values !== 'object' || Array.isArray(values))
    throw new CliError(
      `--values-file ${file} holds ${Array.isArray(values) ? 'a list' : JSON.stringify(values)}, not an object of Helm values: write the values as a mapping (key: value)`,
    );
  return values as Record<string, unknown>;
}

/** Prints each change of phase, wave or message until the rollout of `gen` ends; exit code 0 when Ready. */
async function follow(
  k: Kube,
  namespace: string,
  name: string,
  gen: number,
  timeoutSeconds: number,
): Promise<number> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const svc = await read(k, namespace, name);
    const st = svc.status ?? {};
    const line =
      (st.observedGeneration ?? 0) < gen
        ? `waiting for the controller to pick up generation ${gen}`
        : `${st.phase ?? 'Pending'}${st.currentWave ? ` wave ${st.currentWave}/${st.totalWaves ?? '?'}` : ''}: ${st.message ?? ''}`;
    if (line !== last) console.log(line);
    last = line;
    const outcome = rolloutOutcome(svc, gen);
    if (outcome) {
      for (const l of renderServiceStatus(svc)) console.log(l);
      return outcome === 'ready' ? 0 : 1;
    }
    if (Date.now() > deadline) {
      console.log(
        `still ${st.phase ?? 'Pending'} after ${timeoutSeconds} s; the rollout goes on: xpuflow service status ${name}`,
      );
      return 1;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

type RolloutFlags = Common & { chartVersion?: string; valuesFile?: string; wait: boolean; timeout: number };

/** `service rollout`: patches the chart version and/or values, then follows the waves. */
async function rollOut(name: string, o: RolloutFlags): Promise<void> {
  if (o.chartVersion === undefined && o.valuesFile === undefined)
    throw new CliError('nothing to roll out: give --chart-version and/or --values-file');
  if (!Number.isFinite(o.timeout) || o.timeout <= 0)
    throw new CliError(`--timeout ${JSON.stringify(o.timeout)} must be a positive number of seconds`);
  const k = kube();
  const svc = await read(k, o.namespace, name);
  const spec: DpuServiceSpec = JSON.parse(JSON.stringify(svc.spec)) as DpuServiceSpec;
  const ops: object[] = [];
  if (o.chartVersion !== undefined) {
    spec.helmChart.source.version = o.chartVersion;
    ops.push({ op: 'replace', path: '/spec/helmChart/source/version', value: o.chartVersion });
  }
  if (o.valuesFile !== undefined) {
    spec.helmChart.values = readValuesFile(o.valuesFile);
    ops.push({ op: 'add', path: '/spec/helmChart/values', value: spec.helmChart.values });
  }
  const problems = dpuServiceProblems(spec).map((p) =>
    p.startsWith('spec.helmChart.source.version') ? `--chart-version: ${p}` : p,
  );
  if (problems.length) throw new CliError(`refused, nothing was changed: ${problems.join('; ')}`);
  const after = await patchSpec(k, svc, ops);
  const gen = after.metadata.generation ?? 0;
  if (after.metadata.generation === svc.metadata.generation) {
    console.log(`DPUService ${name} already has this chart version and values: nothing to roll out`);
    return;
  }
  console.log(
    `DPUService ${name}: generation ${gen} (${spec.helmChart.source.chart} ${spec.helmChart.source.version}) accepted`,
  );
  if (svc.spec.paused)
    console.log('note: the service is paused; the change rolls out after `xpuflow service resume`');
  if (!o.wait || svc.spec.paused) return;
  process.exitCode = await follow(k, o.namespace, name, gen, o.timeout);
}

export function serviceCommand(): Command {
  const service = new Command('service').description(
    'DPU services (Helm charts on DPUs through Argo CD): status, rollout, pause, resume',
  );
  const ns = (c: Command) => c.option('-n, --namespace <ns>', 'namespace of the DPUService', 'default');

  ns(service.command('status <name>'))
    .description('phase, wave, and sync/health/revision per DPU cluster')
    .option('--json', 'print the status as JSON, for scripts')
    .action(async (name: string, o: Common & { json?: boolean }) => {
      const svc = await read(kube(), o.namespace, name);
      if (o.json)
        console.log(
          JSON.stringify({ metadata: svc.metadata, spec: svc.spec, status: svc.status ?? {} }, null, 2),
        );
      else for (const l of renderServiceStatus(svc)) console.log(l);
    });

  ns(service.command('rollout <name>'))
    .description('roll out a chart version and/or values, then follow the waves until Ready or stopped')
    .option('--chart-version <v>', 'the chart version to roll out')
    .option('--values-file <file>', 'YAML or JSON file with the Helm values (replaces spec.helmChart.values)')
    .option('--no-wait', 'return once the change is accepted')
    .option('--timeout <seconds>', 'how long to follow the rollout', (v) => Number(v), 1800)
    .action(rollOut);

  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    ns(service.command(`${verb} <name>`))
      .description(
        paused ? 'stop rolling out changes (nothing is deleted)' : 'roll out again what changed while paused',
      )
      .action(async (name: string, o: Common) => {
        const k = kube();
        const svc = await read(k, o.namespace, name);
        if ((svc.spec.paused ?? false) === paused) {
          console.log(`DPUService ${name} is already ${paused ? 'paused' : 'running (not paused)'}`);
          return;
        }
        await patchSpec(k, svc, [{ op: 'add', path: '/spec/paused', value: paused }]);
        console.log(`DPUService ${name} ${paused ? 'paused' : 'resumed'}`);
      });
  }
  return service;
}
