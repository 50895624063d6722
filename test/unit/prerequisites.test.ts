/**
 * The one rule for tests that need root, iproute2, Open vSwitch or Chromium
 * (test/support/prerequisites.ts): under CI=true a missing one fails, naming
 * what to install; elsewhere the suite is skipped and the global setup says
 * why once. Chromium stands for any prerequisite: its path is set here to one
 * that does not exist.
 */
import type * as Prerequisites from '../support/prerequisites';

function withMissingChromium<T>(f: (p: typeof Prerequisites, setup: () => void) => T): T {
  const saved = process.env.XPUFLOW_CHROMIUM;
  process.env.XPUFLOW_CHROMIUM = '/nonexistent/xpuflow-test/chromium';
  try {
    let out!: T;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const p = require('../support/prerequisites') as typeof Prerequisites;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const setup = (require('../support/global-setup') as { default: () => void }).default;
      out = f(p, setup);
    });
    return out;
  } finally {
    if (saved === undefined) delete process.env.XPUFLOW_CHROMIUM;
    else process.env.XPUFLOW_CHROMIUM = saved;
  }
}

test('under CI=true a missing prerequisite fails the suite, naming what to install', () => {
  withMissingChromium((p) => {
    expect(() => p.requirePrerequisites('the UI test', ['chromium'], { CI: 'true' })).toThrow(
      "the UI test cannot run under CI=true: no Chromium at /nonexistent/xpuflow-test/chromium (scripts/ensure-chromium.sh installs Debian's chromium",
    );
  });
});

test('outside CI the suite gets skipping describe and test, and the reason', () => {
  withMissingChromium((p) => {
    const r = p.requirePrerequisites('the UI test', ['chromium'], {});
    expect(r.describe).toBe(describe.skip);
    expect(r.test).toBe(test.skip);
    expect(r.missing).toContain('no Chromium at /nonexistent/xpuflow-test/chromium');
    expect(p.inCi({ CI: 'false' })).toBe(false);
    expect(p.inCi({ CI: '1' })).toBe(true);
  });
});

test('the global setup says once, at the top, what is skipped and why; under CI it says nothing', () => {
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const savedCi = process.env.CI;
  try {
    withMissingChromium((_p, setup) => {
      delete process.env.CI;
      setup();
      process.env.CI = 'true';
      setup();
    });
  } finally {
    spy.mockRestore();
    if (savedCi === undefined) delete process.env.CI;
    else process.env.CI = savedCi;
  }
  expect(written).toHaveLength(1);
  expect(written[0]).toMatch(/^\nSKIPPING the suites that need: .*chromium \(no Chromium at \/nonexistent/);
});

test('a suite whose prerequisites are all present gets jest itself', () => {
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const p = require('../support/prerequisites') as typeof Prerequisites;
    expect(p.requirePrerequisites('nothing needed', [], { CI: 'true' })).toEqual({ describe, test });
  });
});

test('the real-node prerequisite names the script to run when the images are missing', () => {
  const saved = process.env.XPUFLOW_NODE_CACHE;
  process.env.XPUFLOW_NODE_CACHE = '/nonexistent/xpuflow-test/kubelet-node';
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const p = require('../support/prerequisites') as typeof Prerequisites;
      if (process.getuid?.() !== 0) {
        expect(p.PREREQUISITES['kubelet-node']()).toMatch(/^not root/);
        return;
      }
      // Either the kubelet is not built yet or (when it is) the images are missing from the empty cache.
      expect(() => p.requirePrerequisites('the real-node test', ['kubelet-node'], { CI: 'true' })).toThrow(
        /the real-node test cannot run under CI=true: .*(kube-assets\.sh|no \/nonexistent\/xpuflow-test\/kubelet-node\/images\/pause\.tar: run scripts\/ensure-kubelet-node\.sh)/,
      );
    });
  } finally {
    if (saved === undefined) delete process.env.XPUFLOW_NODE_CACHE;
    else process.env.XPUFLOW_NODE_CACHE = saved;
  }
});
