/** HTTP Range (RFC 9110 §14), the single-range subset download resumes use. */

export type RangeAnswer =
  /** No usable Range: send the whole file (200). */
  | { kind: 'full' }
  /** Send bytes [start, end] inclusive (206). */
  | { kind: 'partial'; start: number; end: number }
  /** The range cannot be satisfied (416). */
  | { kind: 'unsatisfiable' };

export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (!header) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  // Several ranges, or another unit: a server may ignore Range and send it all.
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'full' }; // invalid: ignored
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}
