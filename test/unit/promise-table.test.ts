/**
 * CONVENTIONS.md's table "What the README promises, and the test that holds
 * it" names real tests: every file it names exists, and every test name it
 * gives (up to a trailing "…") is a test in that file. A renamed or deleted
 * test makes the table lie, and this fails.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const conventions = fs.readFileSync(path.join(root, 'CONVENTIONS.md'), 'utf8');
const table = conventions.split('### What the README promises, and the test that holds it')[1] ?? '';
const rows = table
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| README promise') && !l.startsWith('| ---'))
  .map((l) => l.split('|').map((c) => c.trim()))
  .map(([, promise, held]) => ({ promise, held }));

/** `file` › name; name; `file2` › name: each name with the file it belongs to. */
function references(held: string): Array<{ file: string; name?: string }> {
  const out: Array<{ file: string; name?: string }> = [];
  let file = '';
  for (const part of held.replace(/\([^)]*\)/g, '').split(';')) {
    const m = /^\s*`([^`]+)`\s*(?:›\s*(.*))?$/.exec(part);
    if (m) file = m[1];
    const name = (m ? m[2] : part)?.trim().replace(/…$/, '').trim();
    if (!file) throw new Error(`"${held}" names a test before any file`);
    out.push({ file, name: name || undefined });
  }
  return out;
}

test('the table is there and lists the promises', () => {
  expect(rows.length).toBeGreaterThanOrEqual(20);
});

test.each(rows.filter((r) => !r.held.startsWith('missing')))('$promise → a real test', ({ held }) => {
  for (const { file, name } of references(held)) {
    const source = fs.readFileSync(path.join(root, file), 'utf8'); // throws ENOENT naming a missing file
    // A test name as written in the source: quotes escaped there stand for themselves here.
    if (name)
      expect({ file, found: source.replace(/\\(['"])/g, '$1').includes(name) }).toEqual({
        file,
        found: true,
      });
  }
});
