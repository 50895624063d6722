/**
 * The install-path interface (issue 14): the phases an operator sees stay
 * the same whatever installs the OS, and each path supplies the work of the
 * three that differ. `gnoi` (the default) deploys DMS on the host, streams
 * the BFB and bf.cfg to it and has it flash and reboot the DPU; `redfish`
 * has the DPU's BMC fetch and install the BFB and reset the DPU, and shows
 * DMS Deployment as not applicable (model/install-path.ts says which path a
 * spec takes). A run's path comes from its input, so it is the same at every
 * replay; the gNOI path's commands are unchanged by the interface.
 */
import { installPathOf } from '../../../model/install-path';
import { Phase } from '../../../model/phases';
import type { FlowContext, PhaseOutcome, ProvisionPhase, UndoablePhase } from '../context';
import { dmsDeployment } from './dms-deployment';
import { osInstalling } from './os-installing';
import { rebooting } from './rebooting';
import { installThroughBmc, resetThroughBmc } from './redfish-install';

type PhaseWork = (ctx: FlowContext) => Promise<PhaseOutcome>;

/** The work an install path supplies, phase by phase. */
export interface InstallPathSteps {
  dmsDeployment: PhaseWork;
  osInstalling: PhaseWork;
  rebooting: PhaseWork;
  /** Whether DMS Deployment's undo (delete the DMS pod) applies. */
  deploysDms: boolean;
}

export const GNOI_STEPS: InstallPathSteps = {
  dmsDeployment: dmsDeployment.run,
  osInstalling: osInstalling.run,
  rebooting: rebooting.run,
  deploysDms: true,
};

export const REDFISH_STEPS: InstallPathSteps = {
  dmsDeployment: async (ctx) => ({
    skipped: `not applicable: installPath redfish installs through the BMC at ${ctx.spec.bmc?.address ?? '(no bmc)'}`,
  }),
  osInstalling: installThroughBmc,
  rebooting: resetThroughBmc,
  deploysDms: false,
};

export function stepsOf(spec: FlowContext['spec']): InstallPathSteps {
  return installPathOf(spec) === 'redfish' ? REDFISH_STEPS : GNOI_STEPS;
}

/** DMS Deployment by path: its undo only where the path deployed DMS (DeleteDpu walks it too). */
export const dmsDeploymentByPath: UndoablePhase = {
  phase: Phase.DmsDeployment,
  run: (ctx) => stepsOf(ctx.spec).dmsDeployment(ctx),
  undo: (target) => (stepsOf(target.spec).deploysDms ? dmsDeployment.undo(target) : undefined),
};

export const osInstallingByPath: ProvisionPhase = {
  phase: Phase.OsInstalling,
  run: (ctx) => stepsOf(ctx.spec).osInstalling(ctx),
};

export const rebootingByPath: ProvisionPhase = {
  phase: Phase.Rebooting,
  run: (ctx) => stepsOf(ctx.spec).rebooting(ctx),
};
