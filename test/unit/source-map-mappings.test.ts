/**
 * decodeMappings / encodeMappings (workers/control/source-map-mappings.ts):
 * the base64 VLQ of a version 3 source map's `mappings`, with the fields'
 * relative numbers made absolute and back.
 */
import { decodeMappings, encodeMappings } from '../../workers/control/source-map-mappings';
import { testWorkflowBundle } from '../support/workflow-bundle';

test('numbers: continuation digits, signs, and fields relative to the segment before', () => {
  // 'AAgBC': 0, 0, 16 (g = continuation, B = 1 × 32 → 32 → +16), 1. 'D': 3 → -1.
  expect(decodeMappings('AAgBC,EADD;AACA')).toEqual([
    [
      { column: 0, source: 0, line: 16, sourceColumn: 1 },
      { column: 2, source: 0, line: 15, sourceColumn: 0 },
    ],
    // The generated column starts again at each line; the others carry over.
    [{ column: 0, source: 0, line: 16, sourceColumn: 0 }],
  ]);
  expect(decodeMappings('AAAAA,CAAAC,E;;A')).toEqual([
    [
      { column: 0, source: 0, line: 0, sourceColumn: 0, name: 0 },
      { column: 1, source: 0, line: 0, sourceColumn: 0, name: 1 },
      { column: 3 },
    ],
    [],
    [{ column: 0 }],
  ]);
});

test('a large number and a negative one survive the round trip', () => {
  const lines = [
    [{ column: 70_000, source: 3, line: 123_456, sourceColumn: 9 }],
    [{ column: 5, source: 1, line: 2, sourceColumn: 0 }],
  ];
  expect(decodeMappings(encodeMappings(lines))).toEqual(lines);
});

test("the bundler's mappings of the control workflow bundle encode back to the same text", async () => {
  const { code } = await testWorkflowBundle(require.resolve('../../workflows'));
  const at = code.lastIndexOf('base64,');
  const { mappings } = JSON.parse(Buffer.from(code.slice(at + 'base64,'.length), 'base64').toString()) as {
    mappings: string;
  };
  expect(mappings.length).toBeGreaterThan(10_000);
  expect(encodeMappings(decodeMappings(mappings))).toBe(mappings);
});

test('malformed mappings are refused, naming what is wrong', () => {
  expect(() => decodeMappings('AA$A')).toThrow(/"\$" is not a base64 digit/);
  expect(() => decodeMappings('AAAg')).toThrow(/segment "AAAg" ends inside a number/);
  expect(() => decodeMappings('AA')).toThrow(/segment "AA" has 2 numbers, not 1, 4 or 5/);
});
