/**
 * POSIX shell quoting: the value in single quotes, each ' written as '\''
 * (close, an escaped quote, reopen). Inside single quotes nothing is
 * special — not $, `, \, ;, newlines — so the value cannot end its quotes
 * early or run anything. NUL cannot be held in a shell string at all, so
 * it is refused rather than silently cut.
 */
export function shQuote(value: string): string {
  if (typeof value !== 'string') throw new TypeError('shQuote: value must be a string');
  if (value.includes('\0')) throw new Error('shQuote: a shell value cannot hold a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `NAME='value'`, with NAME checked to be a shell variable name. */
export function shAssign(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`shAssign: ${JSON.stringify(name)} is not a variable name`);
  return `${name}=${shQuote(value)}`;
}
