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
  /** The temp folder playing the image's `/` (only what the COPY and npm lines put there). */
  fsRoot: string;
  /** The folder playing the final stage's WORKDIR, inside fsRoot. */
  root: string;
  stage: Stage;
  /** The final stage's ENTRYPOINT with image paths mapped into fsRoot. */
  entrypoint: string[];
  /** ENV of the final stage. */
  env: Record<string, string>;
  /** What was not reproduced (apt-get lines), for the test's output. */
  skipped: string[];
  /** Destination paths of the COPY lines in the image. */
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

interface CopySource {
  dir: string;
  /** Where `dir` is in its stage (`/` for the build context). */
  workdir: string;
  /** The build context's files (.dockerignore applied); only for the context. */
  files?: () => string[];
}

/**
 * Replays one COPY of the final stage into fsRoot. A `--from` stage is laid
 * out as its WORKDIR only (buildStage), so its sources must be under it.
 */
function replayCopy(step: CopyStep, fsRoot: string, source: (s: CopyStep) => CopySource): string {
  const destAbs = path.posix.resolve(step.workdir, step.dest);
  const dest = path.join(fsRoot, destAbs);
  const base = source(step);
  const intoDir = step.dest.endsWith('/') || step.sources.length > 1;
  for (const name of step.sources) {
    let src = path.join(base.dir, name);
    if (step.from) {
      const abs = path.posix.resolve(step.workdir, name);
      if (abs !== base.workdir && !abs.startsWith(`${base.workdir}/`))
        throw new Error(
          `${step.line}: ${abs} is outside stage ${step.from}'s WORKDIR ${base.workdir}, which the test lays out alone`,
        );
      src = path.join(base.dir, path.posix.relative(base.workdir, abs));
    }
    if (!fs.existsSync(src))
      throw new Error(`${step.line}: ${name} does not exist${step.from ? ` in stage ${step.from}` : ''}`);
    // A folder's contents land in the destination; a file lands in it (dest/ or several sources) or as it.
    if (!fs.statSync(src).isDirectory()) copyInto(src, intoDir ? path.join(dest, path.basename(src)) : dest);
    else if (step.from) copyInto(src, dest);
    else {
      // From the context, only what .dockerignore lets docker build send.
      const prefix = path.posix.normalize(name).replace(/^\.\/?|\/$/g, '');
      for (const f of base.files!().filter((x) => !prefix || x.startsWith(`${prefix}/`)))
        copyInto(path.join(base.dir, f), path.join(dest, prefix ? f.slice(prefix.length + 1) : f));
    }
  }
  return destAbs;
}

/** Assembles the final stage of `<repo>/Dockerfile` into a new temp folder. */
export function assembleRuntimeTree(repo: string): RuntimeTree {
  const stages = parseDockerfile(fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8'));
  const stage = stages.at(-1);
  if (!stage) throw new Error('Dockerfile has no FROM');
  const workdir = stage.workdir;
  const fsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-image-tree-'));
  const root = path.join(fsRoot, workdir);
  fs.mkdirSync(root, { recursive: true });
  const built = new Map<string, string>();
  let context: string[] | undefined;
  const files = (): string[] => (context ??= contextFiles(repo));
  const source = (s: CopyStep): CopySource => {
    if (!s.from) return { dir: repo, workdir: '/', files };
    const from = s.from;
    const st = stages.find((x) => x.name === from);
    if (!st) throw new Error(`${s.line}: no stage named ${from}`);
    if (!built.has(from)) built.set(from, buildStage(repo, st));
    return { dir: built.get(from)!, workdir: st.workdir };
  };
  const skipped: string[] = [];
  const copied: string[] = [];
  for (const step of stage.steps) {
    if (step.kind === 'COPY') {
      copied.push(replayCopy(step, fsRoot, source));
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
  // Paths of the image that the tree holds point into it; anything else (`node`) is the machine's.
  const entrypoint = stage.entrypoint.map((a) =>
    a.startsWith('/') && fs.existsSync(path.join(fsRoot, a)) ? path.join(fsRoot, a) : a,
  );
  return { fsRoot, root, stage, entrypoint, env: stage.env, skipped, copied };
}
