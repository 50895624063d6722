/**
 * The control worker process's memory settings (workers/control/process-memory.ts):
 * the defaults, what a launcher adds to a process's environment, the heap
 * growth setting's sources and refusals, and that V8 is given the flag.
 */
import { spawnSync } from 'node:child_process';
import {
  applyHeapGrowing,
  CONTROL_PROCESS_MEMORY,
  controlProcessEnv,
  heapGrowingPercentFrom,
  processMemoryInEffect,
} from '../../workers/control/process-memory';

describe('control process memory', () => {
  it('defaults to 4 MiB semi-spaces, 2 malloc arenas and 25 % old-generation growth (README "Worker tuning")', () => {
    expect(CONTROL_PROCESS_MEMORY).toEqual({ semiSpaceMiB: 4, mallocArenaMax: 2, heapGrowingPercent: 25 });
  });

  it('a launcher adds each setting the environment lacks, and keeps the ones it has', () => {
    expect(controlProcessEnv({})).toEqual({
      NODE_OPTIONS: '--max-semi-space-size=4',
      MALLOC_ARENA_MAX: '2',
      XPUFLOW_HEAP_GROWING_PERCENT: '25',
    });
    expect(controlProcessEnv({ NODE_OPTIONS: '--require x.js' }).NODE_OPTIONS).toBe(
      '--require x.js --max-semi-space-size=4',
    );
    expect(
      controlProcessEnv({
        NODE_OPTIONS: '--max-semi-space-size=0',
        MALLOC_ARENA_MAX: '0',
        XPUFLOW_HEAP_GROWING_PERCENT: '0',
      }),
    ).toEqual({});
    expect(controlProcessEnv({}, { semiSpaceMiB: 0, mallocArenaMax: 0, heapGrowingPercent: 0 })).toEqual({
      XPUFLOW_HEAP_GROWING_PERCENT: '0',
    });
  });

  it('takes the heap growth from the flag, else the environment, else 25, and refuses what is not 0 to 400', () => {
    expect(heapGrowingPercentFrom(undefined, {})).toBe(25);
    expect(heapGrowingPercentFrom(undefined, { XPUFLOW_HEAP_GROWING_PERCENT: '40' })).toBe(40);
    expect(heapGrowingPercentFrom('0', { XPUFLOW_HEAP_GROWING_PERCENT: '40' })).toBe(0);
    expect(() => heapGrowingPercentFrom('1.5', {})).toThrow(
      /--heap-growing-percent "1.5": give a whole number from 0 to 400/,
    );
    expect(() => heapGrowingPercentFrom(undefined, { XPUFLOW_HEAP_GROWING_PERCENT: '401' })).toThrow(
      /XPUFLOW_HEAP_GROWING_PERCENT "401"/,
    );
  });

  it("gives V8 --heap-growing-percent, and nothing for 0 (V8's own)", () => {
    const given: string[] = [];
    applyHeapGrowing(25, (f) => given.push(f));
    applyHeapGrowing(0, (f) => given.push(f));
    expect(given).toEqual(['--heap-growing-percent=25']);
  });

  it('V8 takes the flag from a running process, which NODE_OPTIONS would refuse', () => {
    const viaOptions = spawnSync(process.execPath, ['-e', '0'], {
      env: { ...process.env, NODE_OPTIONS: '--heap-growing-percent=25' },
      encoding: 'utf8',
    });
    expect(viaOptions.stderr).toMatch(/not allowed in NODE_OPTIONS/);
    const set = spawnSync(
      process.execPath,
      ['-e', "require('v8').setFlagsFromString('--heap-growing-percent=25'); console.log('ok')"],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(set.stdout.trim()).toBe('ok');
  });

  it('names what the process runs with', () => {
    expect(
      processMemoryInEffect(25, { NODE_OPTIONS: '--max-semi-space-size=4', MALLOC_ARENA_MAX: '2' }, []),
    ).toBe('young generation 4 MiB semi-spaces, malloc arenas 2, old generation growth 25 %');
    expect(processMemoryInEffect(0, {}, [])).toBe(
      "young generation Node's default, malloc arenas glibc's default, old generation growth V8's own",
    );
  });
});
