/** The tails of a harness's *.log files, for failure messages. */
import fs from 'node:fs';
import path from 'node:path';

export function logTails(dir: string, chars = 3000): string {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => `--- ${f}\n${fs.readFileSync(path.join(dir, f), 'utf8').slice(-chars)}`)
    .join('\n');
}
