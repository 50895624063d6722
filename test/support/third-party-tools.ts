/**
 * The contract tests' third-party tools and upstream protos, from the caches
 * scripts/go-tools.sh and scripts/upstream-protos.sh fill (Go module proxy).
 * Under CI=true a tool that cannot be had fails the test file; elsewhere the
 * file is skipped and says why.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './tools';

export type Found = { dir: string; missing?: undefined } | { dir?: undefined; missing: string };

function runScript(script: string): Found {
  try {
    const out = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', script)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15 * 60_000,
    });
    return { dir: out.trim().split('\n').pop() as string };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const missing = `scripts/${script} failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' / ')}`;
    if (process.env.CI === 'true')
      throw new Error(`${missing} (CI=true: a missing tool fails the suite)`, { cause: err });
    return { missing };
  }
}

let goTools: Found | undefined;
let protos: Found | undefined;

/** The bin directory holding grpcurl, cnitool and the CNI reference plugins. */
export function goToolsBin(): Found {
  return (goTools ??= runScript('go-tools.sh'));
}

/** The directory holding upstream gnoi (github.com/openconfig/gnoi/...) and kubelet/api.proto. */
export function upstreamProtoDir(): Found {
  return (protos ??= runScript('upstream-protos.sh'));
}

/** `describe`, or `describe.skip` with a warning naming what is missing. */
export function describeWith(found: Found[], what: string): jest.Describe {
  const missing = found.find((f) => f.missing)?.missing;
  if (!missing) return describe;
  console.warn(`skipping ${what}: ${missing}`);
  return describe.skip;
}
