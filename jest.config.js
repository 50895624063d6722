/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
    // @kubernetes/client-node 1.x and its OIDC dependencies ship only ES modules;
    // jest loads CommonJS, so those files (and only those) are rewritten.
    '^.+\\.m?js$': [
      'babel-jest',
      { babelrc: false, configFile: false, plugins: ['@babel/plugin-transform-modules-commonjs'] },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)'],
  testTimeout: 120000,
  // Says once, at the top, which suites are skipped for a missing prerequisite (test/support/prerequisites.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // e2e tests share one dev server and bind ports; run files one at a time.
  maxWorkers: 1,
  // A hung simulator socket must not keep CI waiting after the results are in.
  forceExit: true,
};
