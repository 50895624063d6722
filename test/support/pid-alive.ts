/** Whether process `pid` still exists (signal 0); a process that is gone (ESRCH) is not, any other error is thrown. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
