/**
 * `xpuflow doctor`: checks the installation in order, one line each, with
 * what to do about each failure; exit code 0 only when every check passes.
 */
import { Command } from 'commander';
import { CliError } from '../cli-error';
import type { CheckResult } from './check';
import { DOCTOR_CHECKS } from './checks';
import { runChecks, type DoctorReport } from './run-checks';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'check the installation, in order, one line each with what to do when one fails:\n' +
        '  temporal           Temporal answers (TEMPORAL_* or the profile: TLS, API key)\n' +
        '  namespace          the namespace exists and this client may use it\n' +
        "  search-attributes  xpuflow's search attributes are registered as Keyword\n" +
        '  codec-keys         XPUFLOW_CODEC_KEYS work and decrypt the newest runs\n' +
        '  pollers            workers poll xpuflow-control and each queue with work\n' +
        '  dms                the DMS of each open provisioning run answers\n' +
        '  kubernetes         the API server of the kubeconfig answers\n' +
        "  kube-rights        it grants what the chart's RBAC grants the controllers\n" +
        "  crds               xpuflow's resources are served at its version\n" +
        'a check whose prerequisite failed is skipped, naming it;\n' +
        'exit code 0 only when every check passes (see README, On call)',
    )
    .option('--json', 'print JSON, for scripts: {"ok": bool, "checks": [{check, status, message, fix?, ms}]}')
    .option('--timeout <seconds>', 'the longest each check may take', '10')
    .option(
      '--namespace <ns>',
      "where the controllers' Secrets rights are checked (default $XPUFLOW_WATCH_NAMESPACE, else the kubeconfig context's, else default)",
    )
    .option(
      '--lease-namespace <ns>',
      "where the leader-election Lease rights are checked (default $XPUFLOW_LEADER_ELECTION_NAMESPACE, else $POD_NAMESPACE, else --namespace's)",
    )
    .action(async (o: { json?: boolean; timeout: string; namespace?: string; leaseNamespace?: string }) => {
      const seconds = Number(o.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0)
        throw new CliError(`--timeout ${JSON.stringify(o.timeout)} must be a positive number of seconds`);
      const report = await doctor({
        timeoutMs: seconds * 1000,
        watchNamespace: o.namespace,
        leaseNamespace: o.leaseNamespace,
      });
      console.log(o.json ? JSON.stringify(report, null, 2) : renderReport(report).join('\n'));
      // Work a timed-out check left running (a connect, a long poll) must not hold the exit.
      process.exit(report.ok ? 0 : 1);
    });
}

/** Runs every check with the environment's settings; closes what the checks opened. */
export async function doctor(opts: {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  watchNamespace?: string;
  leaseNamespace?: string;
}): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const ctx = {
    env,
    timeoutMs: opts.timeoutMs,
    watchNamespace: opts.watchNamespace ?? env.XPUFLOW_WATCH_NAMESPACE,
    leaseNamespace: opts.leaseNamespace ?? env.XPUFLOW_LEADER_ELECTION_NAMESPACE ?? env.POD_NAMESPACE,
  } as Parameters<typeof runChecks>[1];
  try {
    const report = await runChecks(DOCTOR_CHECKS, ctx);
    return report;
  } finally {
    await ctx.client?.connection.close();
  }
}

export function renderReport(report: DoctorReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.check.length));
  const lines = report.checks.map((c) => renderLine(c, width));
  const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.check);
  lines.push(report.ok ? 'all checks passed' : `failed: ${failed.join(', ')}`);
  return lines;
}

function renderLine(c: CheckResult, width: number): string {
  const mark = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' }[c.status];
  return `${mark} ${c.check.padEnd(width)}  ${c.message}${c.fix ? ` -> ${c.fix}` : ''}`;
}
