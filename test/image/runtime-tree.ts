/**
 * Assembles on disk the file tree of the Dockerfile's final stage, the way
 * `docker build` would, without a container tool:
 *
 * - a stage a final-stage COPY names with `--from=` is built from the context
 *   (.dockerignore applied) by running its RUN commands, except its
 *   dependency install, which the repository's own node_modules stands in for;
 *   the result is cached in ~/.cache/xpuflow/image-build/<hash of the context>;
 * - the final stage's COPY lines are replayed in order into a temp folder
 *   playing its WORKDIR; its `npm install|ci --omit=dev` runs for real
 *   (production dependencies only, npm's cache first), cached in
 *   ~/.cache/xpuflow/image-prod-deps/<hash of package.json, lock, command,
 *   Node version> and linked in as node_modules;
 * - `apt-get` lines install operating system packages, not files of the
 *   tree, and are reported as skipped. Any other RUN fails the assembly.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contextFiles, parseDockerfile, type CopyStep, type Stage } from './dockerfile';

export interface RuntimeTree {
  /** The folder playing the final stage's WORKDIR. */
  root: string;
  stage: Stage;
  /** The final stage's ENTRYPOINT with image paths mapped into `root`. */
  entrypoint: string[];
  /** ENV of the final stage. */
  env: Record<string, string>;
  /** What was not reproduced (apt-get lines), for the test's output. */
  skipped: string[];
  /** Destination paths of the COPY lines, relative to WORKDIR. */
  copied: string[];
}

const CACHE = path.join(os.homedir(), '.cache', 'xpuflow');

function hashOf(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 24);
}

/** Makes `dir` by running `fill(tmp)` then renaming tmp to dir (a concurrent maker wins harmlessly). */
function cached(dir: string, fill: (tmp: string) => void): string {
  if (fs.existsSync(dir)) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  try {
    fill(tmp);
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (fs.existsSync(dir)) return dir;
    throw err;
  }
  pruneSiblings(dir, 3);
  return dir;
}

/**
 * Removes entries beside `dir` beyond the `keep` most recently made, once a day
 * old (each source edit makes a new build; a day leaves alone a tree another
 * test run is still using).
 */
function pruneSiblings(dir: string, keep: number): void {
  const parent = path.dirname(dir);
  const entries = fs
    .readdirSync(parent)
    .filter((n) => !n.includes('.tmp-'))
    .map((n) => ({ p: path.join(parent, n), t: fs.statSync(path.join(parent, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const e of entries.slice(keep))
    if (e.p !== dir && e.t < dayAgo) fs.rmSync(e.p, { recursive: true, force: true });
}

function sh(command: string, cwd: string): void {
  try {
    execFileSync('sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}

const DEPENDENCY_INSTALL = /^npm (install|ci)\b/;

/** The WORKDIR of a built stage, holding the context and the outputs of its RUN lines. */
function buildStage(repo: string, stage: Stage): string {
  const files = contextFiles(repo);
  const key = hashOf([
    process.version,
    ...stage.steps.map((s) => s.line),
    ...files.flatMap((f) => [f, fs.readFileSync(path.join(repo, f))]),
  ]);
  return cached(path.join(CACHE, 'image-build', key), (tmp) => {
    // The build stage copies from the context (package*.json, then COPY . .): lay all of it down once.
    for (const step of stage.steps) {
      if (step.kind === 'COPY' && step.from)
        throw new Error(`${step.line}: a COPY --from inside a build stage is not reproduced`);
    }
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      fs.copyFileSync(path.join(repo, f), path.join(tmp, f));
    }
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(tmp, 'node_modules'));
    for (const step of stage.steps) {
      if (step.kind !== 'RUN') continue;
      for (const part of step.command.split('&&').map((x) => x.trim())) {
        if (DEPENDENCY_INSTALL.test(part)) continue; // the repository's node_modules stands in
        sh(part, tmp);
      }
    }
    fs.unlinkSync(path.join(tmp, 'node_modules'));
  });
}

/** The production dependencies the final stage's npm line installs, cached. */
function productionDependencies(repo: string, command: string): string {
  if (!/--omit=dev\b/.test(command))
    throw new Error(`the runtime stage's ${JSON.stringify(command)} does not leave out dev dependencies`);
  const manifest = ['package.json', 'package-lock.json'].map((f) => fs.readFileSync(path.join(repo, f)));
  const key = hashOf([process.version, command, ...manifest]);
  const dir = cached(path.join(CACHE, 'image-prod-deps', key), (tmp) => {
    for (const f of ['package.json', 'package-lock.json'])
      fs.copyFileSync(path.join(repo, f), path.join(tmp, f));
    // npm's cache first: the registry is asked only for what the cache lacks.
    sh(`${command} --prefer-offline`, tmp);
  });
  return path.join(dir, 'node_modules');
}

function copyInto(src: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.cpSync(src, dest, { recursive: true, dereference: false });
}

/** Replays one COPY of the final stage into `root` (the stage's WORKDIR). */
function replayCopy(
  step: CopyStep,
  root: string,
  workdir: string,
  sourceRoot: (s: CopyStep) => string,
): string {
  const destAbs = path.posix.resolve(step.workdir, step.dest);
  if (destAbs !== workdir && !destAbs.startsWith(`${workdir}/`))
    throw new Error(`${step.line}: copies outside WORKDIR ${workdir}, which the test does not lay out`);
  const destRel = path.posix.relative(workdir, destAbs);
  const base = sourceRoot(step);
  const intoDir = step.dest.endsWith('/') || step.sources.length > 1;
  for (const source of step.sources) {
    const src = step.from
      ? path.join(base, path.posix.relative(workdir, path.posix.resolve(step.workdir, source)))
      : path.join(base, source);
    if (!fs.existsSync(src))
      throw new Error(`${step.line}: ${source} does not exist${step.from ? ` in stage ${step.from}` : ''}`);
    // A folder's contents land in the destination; a file lands in it (dest/ or several sources) or as it.
    if (fs.statSync(src).isDirectory()) copyInto(src, path.join(root, destRel));
    else copyInto(src, intoDir ? path.join(root, destRel, path.basename(src)) : path.join(root, destRel));
  }
  return destRel || '.';
}

/** Assembles the final stage of `<repo>/Dockerfile` into a new temp folder. */
export function assembleRuntimeTree(repo: string): RuntimeTree {
  const stages = parseDockerfile(fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8'));
  const stage = stages.at(-1);
  if (!stage) throw new Error('Dockerfile has no FROM');
  const workdir = stage.workdir;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-image-tree-'));
  const built = new Map<string, string>();
  const sourceRoot = (s: CopyStep): string => {
    if (!s.from) return repo;
    const from = s.from;
    const st = stages.find((x) => x.name === from);
    if (!st) throw new Error(`${s.line}: no stage named ${from}`);
    if (st.workdir !== workdir)
      throw new Error(`${s.line}: stage ${from} works in ${st.workdir}, the final stage in ${workdir}`);
    if (!built.has(from)) built.set(from, buildStage(repo, st));
    return built.get(from)!;
  };
  const skipped: string[] = [];
  const copied: string[] = [];
  for (const step of stage.steps) {
    if (step.kind === 'COPY') {
      copied.push(replayCopy(step, root, workdir, sourceRoot));
      continue;
    }
    for (const part of step.command.split('&&').map((x) => x.trim())) {
      if (/^apt-get\b|^rm -rf \/var\/lib\/apt\/lists/.test(part)) skipped.push(part);
      else if (DEPENDENCY_INSTALL.test(part)) {
        if (step.workdir !== workdir) throw new Error(`${step.line}: runs outside WORKDIR ${workdir}`);
        fs.symlinkSync(productionDependencies(root, part), path.join(root, 'node_modules'));
      } else if (/^npm cache clean\b/.test(part)) skipped.push(part);
      else
        throw new Error(
          `${step.line}: the image test does not know how to reproduce ${JSON.stringify(part)}`,
        );
    }
  }
  if (!stage.entrypoint) throw new Error('the final stage has no ENTRYPOINT');
  const entrypoint = stage.entrypoint.map((a) =>
    a === workdir || a.startsWith(`${workdir}/`) ? path.join(root, path.posix.relative(workdir, a)) : a,
  );
  return { root, stage, entrypoint, env: stage.env, skipped, copied };
}
