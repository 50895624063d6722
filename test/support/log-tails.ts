/** A harness's *.log files: lines written with a timestamp, and their tails for failure messages. */
import fs from 'node:fs';
import path from 'node:path';

export function logTails(dir: string, chars = 3000): string {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => `--- ${f}\n${fs.readFileSync(path.join(dir, f), 'utf8').slice(-chars)}`)
    .join('\n');
}

/** A `log` option (the controllers') that appends each line to `file` after an ISO timestamp. */
export function timestampedLog(file: string): (line: string) => void {
  return (line) => fs.appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
}
