/** `xpuflow doctor --help` and the README say the same checks, in the order they run, and the same options. */
import fs from 'node:fs';
import path from 'node:path';
import { doctorCommand } from '../../cli/doctor/command';
import { DOCTOR_CHECKS } from '../../cli/doctor/checks';

const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const order = DOCTOR_CHECKS.map((c) => c.name);

test('--help lists every check, in the order they run', () => {
  const help = doctorCommand().helpInformation();
  const listed = [...help.matchAll(/^ {2}([a-z][a-z-]*) {2,}\S/gm)].map((m) => m[1]);
  expect(listed).toEqual(order);
});

test("the README's On call lists the same checks in the same order, and the command line has every option", () => {
  const listed = [...readme.matchAll(/^ {2}\d\. `([a-z-]+)`:/gm)].map((m) => m[1]);
  expect(listed).toEqual(order);
  const usage = readme.split('\n').find((l) => l.startsWith('xpuflow doctor '));
  expect(usage).toBeDefined();
  for (const o of doctorCommand().options) expect(usage).toContain(o.long);
});
