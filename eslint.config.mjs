import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.tools/**', 'proto/gen/**', '*.js', '*.mjs', 'scripts/**/*.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // jest loads its testSequencer untransformed: plain CommonJS for Node.
    files: ['test/support/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: it imports
    // activity code only as types (proxyActivities<typeof …>), and no I/O:
    // no Kubernetes client, no gRPC, no Node built-in.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() in a loop from @temporalio/workflow' },
      ],
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(node:.*|' + builtinModules.join('|') + ')(/.*)?$',
              message: 'no I/O in workflows: Node built-ins belong in activities/',
            },
            {
              regex: '^@grpc/|^@kubernetes/client-node|^execa$|^@temporalio/(worker|client|activity)$',
              message: 'no I/O in workflows: gRPC, Kubernetes and process clients belong in activities/',
            },
            {
              regex: '(^|/)(activities|platform|node|sim|controllers|workers|cli)(/|$)',
              allowTypeImports: true,
              message:
                'workflows import activities (and other side-effecting code) only as types: `import type`',
            },
          ],
        },
      ],
    },
  },
);
