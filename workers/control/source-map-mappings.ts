/**
 * The `mappings` of a source map (version 3), decoded to absolute numbers and
 * encoded back: what leanBundle needs to keep only some sources' mappings.
 *
 * The format (Source Map Revision 3, "Proposed Format", the `mappings` field;
 * the same rules as the `source-map` package's base64-vlq.js, which the
 * Temporal worker reads it with): lines of the generated code are separated by
 * `;`, segments within a line by `,`; a segment is 1, 4 or 5 base64 VLQ
 * numbers: the generated column, then the source index, original line,
 * original column and name index. The generated column is relative to the
 * previous segment of the same line; the other four are relative to the
 * previous segment that had them, across lines.
 */

/** One segment with its numbers absolute; a 1-number segment has no source. */
export interface Segment {
  column: number;
  source?: number;
  line?: number;
  sourceColumn?: number;
  name?: number;
}

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE_OF = new Map([...DIGITS].map((c, i) => [c, i]));

function decodeSegment(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = VALUE_OF.get(c);
    if (digit === undefined)
      throw new Error(`source map mappings: ${JSON.stringify(c)} is not a base64 digit`);
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    if ((digit & 32) === 0) {
      out.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
      value = 0;
      shift = 0;
    }
  }
  if (shift !== 0)
    throw new Error(`source map mappings: segment ${JSON.stringify(text)} ends inside a number`);
  return out;
}

function encodeNumber(n: number): string {
  let value = n < 0 ? -n * 2 + 1 : n * 2;
  let out = '';
  do {
    let digit = value % 32;
    value = Math.floor(value / 32);
    if (value > 0) digit += 32;
    out += DIGITS[digit];
  } while (value > 0);
  return out;
}

/** Decodes `mappings` into one array of segments per generated line. */
export function decodeMappings(mappings: string): Segment[][] {
  let [source, line, sourceColumn, name] = [0, 0, 0, 0];
  return mappings.split(';').map((text) => {
    let column = 0;
    return text
      .split(',')
      .filter((s) => s !== '')
      .map((s) => {
        const n = decodeSegment(s);
        if (n.length !== 1 && n.length !== 4 && n.length !== 5) {
          throw new Error(
            `source map mappings: segment ${JSON.stringify(s)} has ${n.length} numbers, not 1, 4 or 5`,
          );
        }
        column += n[0];
        if (n.length === 1) return { column };
        source += n[1];
        line += n[2];
        sourceColumn += n[3];
        if (n.length === 4) return { column, source, line, sourceColumn };
        name += n[4];
        return { column, source, line, sourceColumn, name };
      });
  });
}

/** Encodes segments (absolute, as decodeMappings gives them) back into `mappings`. */
export function encodeMappings(lines: Segment[][]): string {
  let [source, line, sourceColumn, name] = [0, 0, 0, 0];
  return lines
    .map((segments) => {
      let column = 0;
      return segments
        .map((s) => {
          let out = encodeNumber(s.column - column);
          column = s.column;
          if (s.source === undefined || s.line === undefined || s.sourceColumn === undefined) return out;
          out += encodeNumber(s.source - source) + encodeNumber(s.line - line);
          out += encodeNumber(s.sourceColumn - sourceColumn);
          [source, line, sourceColumn] = [s.source, s.line, s.sourceColumn];
          if (s.name === undefined) return out;
          out += encodeNumber(s.name - name);
          name = s.name;
          return out;
        })
        .join(',');
    })
    .join(';');
}
