/**
 * How xpuflow bundles a workflows path: the same for the build's bundles
 * (bundle-workflows.ts), a worker that bundles its sources when there is no
 * build, the tests' bundles and `xpuflow replay`, so each runs the code as
 * production does.
 *
 * The workflows' own modules are preloaded (`preloadModules`, @temporalio/worker
 * 1.24 lib/workflow/bundler.d.ts): with reuseV8Context (the SDK's default), a
 * module that is not preloaded is evaluated again for every workflow run the
 * worker starts or replays, into that run's own module cache
 * (lib/workflow/reusable-vm.js, `__webpack_module_cache__`), so each cached run
 * held its own copy of every function and table of workflows/ and model/. A
 * preloaded module is evaluated once, when the worker's context is made, and
 * its exports are deep-frozen and shared by every run. That is safe only for
 * modules that keep no per-run state: none of workflows/ or model/ reaches
 * for a workflow API at module scope (an activator does not exist then) or
 * keeps state beyond a deterministic table made on first use
 * (model/mlxconfig-names.ts), and a run that wrote to a shared table would
 * fail its task on the frozen object instead of leaking into another run.
 * On the 200-DPU fleet the control worker's workflow thread held 13 MiB less
 * heap, about 68 KiB per run in flight (README "Process memory").
 */
import type { BundleOptions } from '@temporalio/worker';

export type WorkflowBundleOptions = Pick<BundleOptions, 'workflowsPath' | 'preloadModules'>;

export function workflowBundleOptions(workflowsPath: string): WorkflowBundleOptions {
  return { workflowsPath, preloadModules: [workflowsPath] };
}

/** The same, for Worker.create when it bundles `workflowsPath` itself. */
export function workerBundleOptions(workflowsPath: string): {
  workflowsPath: string;
  bundlerOptions: { preloadModules: string[] };
} {
  const { preloadModules = [] } = workflowBundleOptions(workflowsPath);
  return { workflowsPath, bundlerOptions: { preloadModules } };
}
