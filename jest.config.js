/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  testTimeout: 120000,
  // e2e tests share one dev server and bind ports; run files one at a time.
  maxWorkers: 1,
  // A hung simulator socket must not keep CI waiting after the results are in.
  forceExit: true,
};
