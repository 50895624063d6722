/**
 * Reads the repository's Dockerfile the way the image test needs it: its
 * stages, and in each the instructions that shape the file tree (WORKDIR,
 * COPY, RUN, ENV, ENTRYPOINT). Only the syntax the Dockerfile uses is
 * understood (line continuations, comments, exec-form JSON arrays, `--from=`);
 * anything else is refused with the line, so a Dockerfile edit the test cannot
 * reproduce fails the test instead of being skipped.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface CopyStep {
  kind: 'COPY';
  /** The stage the sources come from; undefined for the build context. */
  from?: string;
  sources: string[];
  dest: string;
  /** The stage's WORKDIR when the COPY runs (relative destinations are under it). */
  workdir: string;
  line: string;
}

export interface RunStep {
  kind: 'RUN';
  /** The shell command, continuation lines joined. */
  command: string;
  workdir: string;
  line: string;
}

export type Step = CopyStep | RunStep;

export interface Stage {
  name?: string;
  base: string;
  steps: Step[];
  env: Record<string, string>;
  workdir: string;
  entrypoint?: string[];
  cmd?: string[];
  user?: string;
}

/** The instructions, each on one logical line (continuations joined, comments dropped). */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!current && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (current && line.trimStart().startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    out.push(current.trim());
    current = '';
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function execForm(rest: string, line: string): string[] {
  const refused = new Error(
    `Dockerfile: ${line}: only the exec form (a JSON array of strings) is understood`,
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch (err) {
    if (err instanceof SyntaxError) throw refused;
    throw err;
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) throw refused;
  return parsed;
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const m = /^(\w+)\s+(.*)$/s.exec(line);
    if (!m) throw new Error(`Dockerfile: cannot read ${JSON.stringify(line)}`);
    const op = m[1].toUpperCase();
    const rest = m[2].trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!f) throw new Error(`Dockerfile: ${line}: expected FROM <image> [AS <name>]`);
      stages.push({ base: f[1], name: f[2], steps: [], env: {}, workdir: '/' });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${line} comes before any FROM`);
    switch (op) {
      case 'WORKDIR':
        stage.workdir = path.posix.resolve(stage.workdir, rest);
        break;
      case 'ENV': {
        const e = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(rest);
        if (!e) throw new Error(`Dockerfile: ${line}: only ENV NAME=value (one per line) is understood`);
        stage.env[e[1]] = e[2];
        break;
      }
      case 'COPY': {
        const words = rest.split(/\s+/);
        let from: string | undefined;
        while (words[0]?.startsWith('--')) {
          const flag = words.shift()!;
          const fm = /^--from=(\S+)$/.exec(flag);
          if (!fm) throw new Error(`Dockerfile: ${line}: COPY flag ${flag} is not understood`);
          from = fm[1];
        }
        if (words.length < 2) throw new Error(`Dockerfile: ${line}: COPY needs a source and a destination`);
        const dest = words.pop()!;
        stage.steps.push({ kind: 'COPY', from, sources: words, dest, workdir: stage.workdir, line });
        break;
      }
      case 'RUN':
        stage.steps.push({ kind: 'RUN', command: rest, workdir: stage.workdir, line });
        break;
      case 'USER':
        stage.user = rest;
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(rest, line);
        break;
      case 'CMD':
        stage.cmd = execForm(rest, line);
        break;
      default:
        throw new Error(`Dockerfile: ${line}: the image test does not know instruction ${op}`);
    }
  }
  return stages;
}

/**
 * The build context's files as `docker build` sends them: every file under
 * `root` (walking the disk, as the CLI does) not excluded by .dockerignore.
 * Patterns are Go filepath.Match globs anchored at the context root (`*`, `?`,
 * and `**` for any number of folders); excluding a folder excludes its files.
 */
export function contextFiles(root: string): string[] {
  const ignore = fs.existsSync(path.join(root, '.dockerignore'))
    ? fs
        .readFileSync(path.join(root, '.dockerignore'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
  if (ignore.some((p) => p.startsWith('!')))
    throw new Error('.dockerignore: exceptions (!pattern) are not understood by the image test');
  const matchers = ignore.map((p) => {
    const body = p
      .replace(/^\/+/, '')
      .replace(/\/+$/, '')
      .split('/')
      .map((seg) =>
        seg === '**'
          ? '.*'
          : seg
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
      )
      .join('/');
    return new RegExp(`^${body}(/.*)?$`);
  });
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (matchers.some((m) => m.test(p))) continue;
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push(p);
    }
  };
  walk('');
  return out.sort();
}
