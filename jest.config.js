/** How many test files jest runs at once, from XPUFLOW_TEST_WORKERS (unset: 2). */
function testWorkers(value) {
  if (value === undefined || value === '') return 2;
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
  // Files at once: XPUFLOW_TEST_WORKERS (default 2). Files are safe side by side: etcd, the
  // apiservers and the dev server check they hold the port picked for them and pick again if
  // another process took it (sim/free-port.ts listensOn); the kube files' DMS simulators listen
  // in their worker's own loopback /16 (test/support/worker-loopback.ts); the CNI, VF and OVS
  // files and the real kubelet hold a cross-process lock (test/support/exclusive-lock.ts).
  // The whole suite passed with two files at once on 2 cores (1050 tests, jest 826 s against
  // 1471 s one at a time, same commit); XPUFLOW_TEST_WORKERS=1 runs them one at a time.
  maxWorkers: testWorkers(process.env.XPUFLOW_TEST_WORKERS),
  // Longest files first, from recorded durations (test/support/test-durations.json), so no
  // minute-long file ends alone; files holding the same lock kept apart where there is a choice.
  testSequencer: '<rootDir>/test/support/duration-sequencer.js',
  // A hung simulator socket must not keep CI waiting after the results are in.
  forceExit: true,
};
