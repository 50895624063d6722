/**
 * The image test's reading of the Dockerfile and of .dockerignore: stages,
 * continuation lines, COPY --from, and a refusal (naming the line) of what it
 * cannot replay, so a Dockerfile edit never goes unchecked by accident.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contextFiles, parseDockerfile } from './dockerfile';

const REPO = path.resolve(__dirname, '..', '..');

test("the repository's Dockerfile: a build stage, and a final stage whose COPY lines bring dist and every proto folder", () => {
  const stages = parseDockerfile(fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'));
  expect(stages.map((s) => s.name)).toEqual(['build', undefined]);
  const final = stages[1];
  expect(final.workdir).toBe('/app');
  expect(final.env).toEqual({ NODE_ENV: 'production' });
  expect(final.entrypoint).toEqual(['node', '/app/dist/cli/main.js']);
  const copies = final.steps.flatMap((s) =>
    s.kind === 'COPY' ? [`${s.from ?? ''}:${s.sources.join(',')}`] : [],
  );
  expect(copies).toEqual(
    expect.arrayContaining([
      'build:/app/dist',
      ':proto/gnoi',
      ':proto/kubelet',
      ':proto/hostagent',
      ':proto/opi',
    ]),
  );
  // Every folder of .proto files in the repository is copied.
  const protoDirs = fs
    .readdirSync(path.join(REPO, 'proto'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'gen')
    .map((d) => `:proto/${d.name}`);
  expect(copies).toEqual(expect.arrayContaining(protoDirs));
});

test('continuation lines join, comments between them drop, exec forms parse', () => {
  const [s] = parseDockerfile(
    [
      'FROM node:20-slim AS build',
      'WORKDIR /app',
      'RUN apt-get update \\',
      '# a comment inside the command',
      ' && apt-get install -y iproute2',
      'COPY --from=other /app/dist dist/',
      'ENTRYPOINT ["node", "/app/dist/cli/main.js"]',
    ].join('\n'),
  );
  expect(s.steps).toEqual([
    expect.objectContaining({ kind: 'RUN', command: 'apt-get update   && apt-get install -y iproute2' }),
    expect.objectContaining({
      kind: 'COPY',
      from: 'other',
      sources: ['/app/dist'],
      dest: 'dist/',
      workdir: '/app',
    }),
  ]);
});

test('an instruction or flag it cannot replay is refused with the line', () => {
  expect(() => parseDockerfile('FROM x\nADD https://example.com/f /f\n')).toThrow(
    /ADD .*does not know instruction ADD/,
  );
  expect(() => parseDockerfile('FROM x\nCOPY --chown=1000 a b\n')).toThrow(/COPY flag --chown=1000/);
  expect(() => parseDockerfile('FROM x\nENTRYPOINT node main.js\n')).toThrow(/exec form/);
  expect(() => parseDockerfile('COPY a b\n')).toThrow(/before any FROM/);
});

test('.dockerignore: names and globs at the context root, folders with their files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dockerignore-'));
  try {
    for (const f of [
      'a.log',
      'keep/a.log',
      'node_modules/x/index.js',
      'src/main.ts',
      'test/t.ts',
      'deep/x/y.tmp',
    ]) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), '');
    }
    fs.writeFileSync(path.join(dir, '.dockerignore'), 'node_modules\n*.log\ntest/\n**/*.tmp\n# comment\n');
    expect(contextFiles(dir)).toEqual(['.dockerignore', 'keep/a.log', 'src/main.ts']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
