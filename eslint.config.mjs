import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.tools/**', 'proto/gen/**', '*.js', '*.mjs', 'scripts/**/*.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fs', 'node:*', 'child_process', 'net', 'http', 'https'],
              message: 'no I/O in workflows',
            },
            {
              group: ['../activities/*', '../activities/**'],
              allowTypeImports: true,
              message: 'import activities only as types',
            },
          ],
        },
      ],
    },
  },
);
