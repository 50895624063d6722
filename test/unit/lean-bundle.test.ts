/**
 * leanBundle (workers/control/lean-bundle.ts): the source map loses its source
 * texts but keeps its mappings, and the code keeps its meaning with one byte
 * per character.
 */
import vm from 'node:vm';
import { leanBundle } from '../../workers/control/lean-bundle';

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
