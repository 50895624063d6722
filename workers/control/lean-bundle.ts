/**
 * Makes a workflow bundle cheaper to hold in memory, without changing what it
 * runs. A worker keeps the bundle as a string in its main thread and again in
 * its workflow thread, with the inline source map parsed:
 * - the source map keeps its mappings (stack traces still name the source
 *   file and line) but not `sourcesContent`, the full text of every source
 *   (883 kB of the 2.58 MB bundle, for debuggers only);
 * - the mappings keep one segment per source line, where the bundler wrote
 *   one per expression: a stack frame keeps its file and line, and its column
 *   becomes that of the line's first mapped expression. The workflow thread
 *   parses every mapping into the WebAssembly memory of the `source-map`
 *   consumer the SDK keeps for the bundle (@temporalio/worker 1.24
 *   lib/workflow/vm-shared.js `addWorkflowBundle`) on the first stack trace,
 *   and its promise hook takes one for every promise a workflow creates:
 *   the control bundle's 74,745 segments left 11.2 MiB of external memory,
 *   the 15,128 kept leave 5.5 (`bench/source-map-memory.ts`);
 * - characters beyond Latin-1 (209 of them, "…" and "→" in comments and
 *   messages) become `\uXXXX` escapes, so V8 stores the code as one byte per
 *   character instead of two. The escapes are read as the same characters in
 *   strings, templates and regular expressions; in comments they are text.
 *   Columns on the lines that had them shift in stack traces; lines do not.
 */
import { decodeMappings, encodeMappings, type Segment } from './source-map-mappings';

const MAP_TAG = '//# sourceMappingURL=data:';
const MAP_PREFIX = 'data:application/json;charset=utf-8;base64,';

/** A bundle's code before its inline source map, and the map. */
export interface BundleWithSourceMap {
  body: string;
  map: { sourcesContent?: unknown; mappings?: unknown; [key: string]: unknown };
}

/** Splits a bundle into its code and its inline source map, as the worker reads it. */
export function inlineSourceMap(code: string): BundleWithSourceMap {
  const at = code.lastIndexOf(MAP_TAG);
  if (at < 0) {
    throw new Error(
      `the workflow bundle has no inline source map (${MAP_TAG}…): Temporal's worker needs one; bundle with bundleWorkflowCode`,
    );
  }
  // As the worker reads it (@temporalio/worker lib/worker.js extractSourceMap): base64 after `base64,`.
  const data = code.indexOf('base64,', at);
  if (data < 0)
    throw new Error(`the workflow bundle's inline source map is not base64: bundle with bundleWorkflowCode`);
  const map = JSON.parse(
    Buffer.from(code.slice(data + 'base64,'.length).trim(), 'base64').toString(),
  ) as BundleWithSourceMap['map'];
  return { body: code.slice(0, at), map };
}

/** The bundle's code with `map` inline after it. */
export function withInlineSourceMap({ body, map }: BundleWithSourceMap): string {
  return `${body}//# sourceMappingURL=${MAP_PREFIX}${Buffer.from(JSON.stringify(map)).toString('base64')}`;
}

export function leanBundle(code: string): string {
  const { body, map } = inlineSourceMap(code);
  delete map.sourcesContent;
  if (typeof map.mappings === 'string') map.mappings = oneSegmentPerSourceLine(map.mappings);
  return withInlineSourceMap({
    body: body.replace(/[\u0100-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`),
    map,
  });
}

/**
 * Drops each segment that maps to the same source and line as the segment
 * before it on its generated line: a position then still resolves to the same
 * source and line (the consumer takes the last segment at or before it), with
 * the column of the first. Segments without a source are kept: they end a
 * mapped stretch.
 */
export function oneSegmentPerSourceLine(mappings: string): string {
  const same = (a: Segment | undefined, b: Segment) =>
    a !== undefined && b.source !== undefined && a.source === b.source && a.line === b.line;
  return encodeMappings(
    decodeMappings(mappings).map((segments) => segments.filter((s, i) => !same(segments[i - 1], s))),
  );
}
