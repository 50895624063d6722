/**
 * Makes a workflow bundle cheaper to hold in memory, without changing what it
 * runs. A worker keeps the bundle as a string in its main thread and again in
 * its workflow thread, with the inline source map parsed:
 * - the source map keeps its mappings (stack traces still name the source
 *   file and line) but not `sourcesContent`, the full text of every source
 *   (883 kB of the 2.58 MB bundle, for debuggers only);
 * - characters beyond Latin-1 (209 of them, "…" and "→" in comments and
 *   messages) become `\uXXXX` escapes, so V8 stores the code as one byte per
 *   character instead of two. The escapes are read as the same characters in
 *   strings, templates and regular expressions; in comments they are text.
 *   Columns on the lines that had them shift in stack traces; lines do not.
 */
const MAP_TAG = '//# sourceMappingURL=data:';
const MAP_PREFIX = 'data:application/json;charset=utf-8;base64,';

export function leanBundle(code: string): string {
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
  const map = JSON.parse(Buffer.from(code.slice(data + 'base64,'.length).trim(), 'base64').toString()) as {
    sourcesContent?: unknown;
  };
  delete map.sourcesContent;
  const body = code
    .slice(0, at)
    .replace(/[\u0100-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${body}//# sourceMappingURL=${MAP_PREFIX}${Buffer.from(JSON.stringify(map)).toString('base64')}`;
}
