/**
 * The lint rule that keeps workflow code deterministic fires: a workflow file
 * that imports an activity implementation, a Kubernetes or gRPC client or a
 * Node built-in is refused, and an activity imported only as a type is not.
 * ESLint runs as a process on a scratch file given on stdin, as `npm run lint`
 * would see it at that path; nothing is written to the tree.
 */
import path from 'node:path';
import execa from 'execa';

const REPO = path.resolve(__dirname, '..', '..');
const ESLINT = path.join(REPO, 'node_modules', '.bin', 'eslint');

interface Message {
  ruleId: string | null;
  line: number;
  message: string;
}

async function lintAt(file: string, source: string): Promise<Message[]> {
  const r = await execa(ESLINT, ['--format', 'json', '--stdin', '--stdin-filename', file], {
    cwd: REPO,
    input: source,
    reject: false,
  });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`eslint failed (${r.exitCode}): ${r.stderr}`);
  const [result] = JSON.parse(r.stdout) as Array<{ messages: Message[] }>;
  return result.messages;
}

const BAD = [
  "import fs from 'node:fs';",
  "import { spawn } from 'child_process';",
  "import * as grpc from '@grpc/grpc-js';",
  "import { KubeConfig } from '@kubernetes/client-node';",
  "import { createBfbActivities } from '../../activities/bfb';",
  "import { Kube } from '../../platform/kube/client';",
].join('\n');

jest.setTimeout(60_000);

test.each(['workflows/dpu/scratch.ts', 'workflows/dpu/phases/scratch.ts', 'workflows/scratch.ts'])(
  'in %s every I/O or activity import is refused, each on its line',
  async (file) => {
    const src = `${BAD}\nexport const used = [fs, spawn, grpc, KubeConfig, createBfbActivities, Kube];\n`;
    const lines = (await lintAt(file, src))
      .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
      .map((m) => m.line);
    expect(lines).toEqual([1, 2, 3, 4, 5, 6]);
  },
);

test('activities imported as types, and the workflow SDK, pass', async () => {
  const src = [
    "import { proxyActivities } from '@temporalio/workflow';",
    "import type { createBfbActivities } from '../../activities/bfb';",
    'export const bfb = proxyActivities<ReturnType<typeof createBfbActivities>>({',
    "  startToCloseTimeout: '1 minute',",
    '});',
    '',
  ].join('\n');
  const messages = await lintAt('workflows/dpu/scratch.ts', src);
  expect(messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')).toEqual([]);
});

test('the same imports outside workflows/ are not this rule’s business', async () => {
  const src = `${BAD}\nexport const used = [fs, spawn, grpc, KubeConfig, createBfbActivities, Kube];\n`;
  const messages = await lintAt('activities/scratch.ts', src);
  expect(messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')).toEqual([]);
});
