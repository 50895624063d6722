/** How many test files jest runs at once, from XPUFLOW_TEST_WORKERS (unset: 1). */
function testWorkers(value) {
  if (value === undefined || value === '') return 1;
  if (!/^[1-9][0-9]*$/.test(value))
    throw new Error(`XPUFLOW_TEST_WORKERS=${value}: expected a whole number of jest workers, e.g. 1 or 2`);
  return Number(value);
}

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
  // Files at once: XPUFLOW_TEST_WORKERS (default 1). Files are safe side by side: etcd, the
  // apiservers and the dev server check they hold the port picked for them and pick again if
  // another process took it (sim/free-port.ts listensOn); the kube files' DMS simulators listen
  // in their worker's own loopback /16 (test/support/worker-loopback.ts); the CNI, VF and OVS
  // files and the real kubelet hold a cross-process lock (test/support/exclusive-lock.ts).
  // What is not shown yet is that the tests with real-time bounds (Leases, Ready timeouts,
  // heartbeat timeouts) hold on 2 cores shared by two files (README, Quick start).
  maxWorkers: testWorkers(process.env.XPUFLOW_TEST_WORKERS),
  // A hung simulator socket must not keep CI waiting after the results are in.
  forceExit: true,
};
