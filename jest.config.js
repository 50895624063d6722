/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
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
  // One file at a time. Each file owns its servers (dev server, apiservers, simulators on ports
  // picked free), but: tests with tight real-time bounds (a 4 s Lease, a 3 s renew deadline,
  // 4 s Ready timeouts, 12 s heartbeat timeouts) assume the 2 CI cores are not shared with
  // another file's apiservers and workers; etcd and the apiservers bind a port picked free
  // earlier and do not pick again if another file's process took it; and the CNI and VF
  // files change the host's network namespaces and OVS.
  maxWorkers: 1,
  // A hung simulator socket must not keep CI waiting after the results are in.
  forceExit: true,
};
