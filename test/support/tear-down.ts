/**
 * Teardown that runs every step even when one before it failed, then fails
 * naming each step that did. A step skipped after an earlier failure can leave
 * something of the machine's held: a real node keeps the real-kubelet lock
 * (test/support/exclusive-lock.ts) until its jest worker exits, and every later
 * file that needs it waits out its budget.
 */
export type TearDownStep = readonly [what: string, stop: () => unknown];

export async function tearDown(owner: string, steps: readonly TearDownStep[]): Promise<void> {
  const failures: string[] = [];
  for (const [what, stop] of steps) {
    try {
      await stop();
    } catch (err) {
      failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failures.length)
    throw new Error(
      `${owner}: ${failures.length} teardown step(s) failed (the others ran):\n${failures.join('\n')}`,
    );
}
