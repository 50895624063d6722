/**
 * leanBundle (workers/control/lean-bundle.ts): the source map loses its source
 * texts and keeps one mapping per source line, every position still resolving
 * to its source file and line, and the code keeps its meaning with one byte
 * per character.
 */
import vm from 'node:vm';
import { inlineSourceMap, leanBundle, oneSegmentPerSourceLine } from '../../workers/control/lean-bundle';
import { decodeMappings, encodeMappings, type Segment } from '../../workers/control/source-map-mappings';
import { testWorkflowBundle } from '../support/workflow-bundle';

const TAG = '//# sourceMappingURL=data:application/json;charset=utf-8;base64,';
const map = {
  version: 3,
  file: 'b.js',
  sources: ['a.ts'],
  mappings: 'AAAA;AACA',
  sourcesContent: ['const a = 1;'],
};
const withMap = (code: string, m: object = map) =>
  `${code}\n${TAG}${Buffer.from(JSON.stringify(m)).toString('base64')}`;
const mapOf = (code: string) =>
  JSON.parse(Buffer.from(code.slice(code.lastIndexOf(TAG) + TAG.length), 'base64').toString()) as Record<
    string,
    unknown
  >;

test('the source map keeps its mappings and sources, not their texts', () => {
  const lean = mapOf(leanBundle(withMap('globalThis.x = 1;')));
  expect(lean).toEqual({ version: 3, file: 'b.js', sources: ['a.ts'], mappings: 'AAAA;AACA' });
});

test('segments on the same source line as the one before them are dropped; a new line or source, or an end, is kept', () => {
  const lines: Segment[][] = [
    [
      { column: 0, source: 0, line: 4, sourceColumn: 2 },
      { column: 6, source: 0, line: 4, sourceColumn: 8 },
      { column: 9, source: 0, line: 4, sourceColumn: 11 },
      { column: 12, source: 1, line: 4, sourceColumn: 0 },
      { column: 15, source: 1, line: 5, sourceColumn: 1 },
      { column: 20 },
      { column: 22, source: 1, line: 5, sourceColumn: 3 },
    ],
    [{ column: 0, source: 1, line: 5, sourceColumn: 7 }],
  ];
  expect(decodeMappings(oneSegmentPerSourceLine(encodeMappings(lines)))).toEqual([
    [lines[0]![0], lines[0]![3], lines[0]![4], lines[0]![5], lines[0]![6]],
    // The first segment of a line is kept whatever the line before ended with.
    lines[1],
  ]);
});

/** The segment a consumer resolves a generated position to: the last one of its line at or before its column. */
function resolve(lines: Segment[][], line: number, column: number): Segment | undefined {
  return (lines[line] ?? []).filter((s) => s.column <= column).at(-1);
}

test('in the real control bundle, every position the bundler mapped still resolves to its source and line', async () => {
  const { code } = await testWorkflowBundle(require.resolve('../../workflows'));
  const before = inlineSourceMap(code).map as { sources: string[]; mappings: string };
  const after = inlineSourceMap(leanBundle(code)).map as { sources: string[]; mappings: string };
  expect(after.sources).toEqual(before.sources);
  const full = decodeMappings(before.mappings);
  const lean = decodeMappings(after.mappings);
  let positions = 0;
  const moved: string[] = [];
  full.forEach((segments, line) => {
    for (const s of segments) {
      positions++;
      const [was, now] = [resolve(full, line, s.column), resolve(lean, line, s.column)];
      if (now?.source !== was?.source || now?.line !== was?.line) {
        moved.push(
          `${line + 1}:${s.column} was ${was?.source}:${was?.line}, now ${now?.source}:${now?.line}`,
        );
      }
    }
  });
  expect(moved.slice(0, 5)).toEqual([]);
  const kept = lean.reduce((n, l) => n + l.length, 0);
  // 74,745 → 15,128 segments when this was written.
  expect(positions).toBeGreaterThan(20_000);
  expect(kept).toBeLessThan(positions / 3);
});

test('characters beyond Latin-1 become escapes that read as the same characters', () => {
  const code = withMap(
    '// waits… then → next\nglobalThis.s = "a … b → 😀"; globalThis.t = `t≤${1}`; globalThis.r = /…/.test("x…y");',
  );
  const lean = leanBundle(code);
  const body = lean.slice(0, lean.lastIndexOf(TAG));
  expect([...body].filter((c) => c.charCodeAt(0) > 0xff)).toEqual([]);
  const ctx = vm.createContext({});
  vm.runInContext(body, ctx);
  expect([ctx.s, ctx.t, ctx.r]).toEqual(['a … b → 😀', 't≤1', true]);
});

test('a bundle without an inline source map is refused, saying what the worker needs', () => {
  expect(() => leanBundle('globalThis.x = 1;')).toThrow(/no inline source map.*bundleWorkflowCode/);
});
