/**
 * The codec's keys: AES-256 keys by key ID. The newest key encodes; every key
 * decodes, so rotating in a new key never strands history written with an
 * old one.
 *
 * Two layouts, both named by XPUFLOW_CODEC_KEYS (or --codec-keys):
 * - a JSON file `{ "current": "2026-11", "keys": { "2026-05": "<base64>", "2026-11": "<base64>" } }`;
 * - a directory, as a Kubernetes Secret mounted as a volume: one file per key,
 *   named by the key ID, holding the key in base64 (or 32 raw bytes). A file
 *   `current` names the key that encodes; without it, the last key ID in sort
 *   order does (name keys by date and rotation is "add a file").
 */
import fs from 'node:fs';
import path from 'node:path';

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class KeyringError extends Error {
  override name = 'KeyringError';
}

export class Keyring {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly currentId: string,
  ) {}

  static fromKeys(keys: Record<string, Buffer>, current?: string, where = 'the keyring'): Keyring {
    const ids = Object.keys(keys).sort();
    if (ids.length === 0) throw new KeyringError(`${where} holds no key: add at least one AES-256 key`);
    for (const id of ids) {
      if (!KEY_ID.test(id))
        throw new KeyringError(`key ID ${JSON.stringify(id)} in ${where} is not 1-64 of [A-Za-z0-9._-]`);
      if (keys[id].length !== KEY_BYTES)
        throw new KeyringError(
          `key ${JSON.stringify(id)} in ${where} is ${keys[id].length} bytes, not ${KEY_BYTES}: ` +
            'make one with `openssl rand -base64 32`',
        );
    }
    const currentId = current ?? ids[ids.length - 1];
    if (!keys[currentId])
      throw new KeyringError(
        `${where} names ${JSON.stringify(currentId)} as the current key, but holds only ${ids.join(', ')}`,
      );
    return new Keyring(new Map(ids.map((id) => [id, keys[id]])), currentId);
  }

  get ids(): string[] {
    return [...this.keys.keys()];
  }

  get currentKey(): Buffer {
    return this.keys.get(this.currentId)!;
  }

  key(id: string): Buffer | undefined {
    return this.keys.get(id);
  }
}

/** Reads a keyring from a JSON file or a Secret-style directory (see the header). */
export function loadKeyring(location: string): Keyring {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(location);
  } catch {
    throw new KeyringError(
      `codec keys ${location} do not exist: point XPUFLOW_CODEC_KEYS at a key file or a mounted Secret directory`,
    );
  }
  return stat.isDirectory() ? fromDirectory(location) : fromJsonFile(location);
}

function fromJsonFile(file: string): Keyring {
  let doc: { current?: unknown; keys?: unknown };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof doc;
  } catch (err) {
    throw new KeyringError(
      `codec key file ${file} is not JSON of the form {"current": ID, "keys": {ID: base64}}: ${(err as Error).message}`,
    );
  }
  if (!doc || typeof doc.keys !== 'object' || doc.keys === null)
    throw new KeyringError(`codec key file ${file} has no "keys" object: expected {"keys": {ID: base64}}`);
  const keys: Record<string, Buffer> = {};
  for (const [id, value] of Object.entries(doc.keys as Record<string, unknown>)) {
    if (typeof value !== 'string')
      throw new KeyringError(`key ${JSON.stringify(id)} in ${file} is not a base64 string`);
    keys[id] = Buffer.from(value, 'base64');
  }
  const current = typeof doc.current === 'string' ? doc.current : undefined;
  return Keyring.fromKeys(keys, current, file);
}

function fromDirectory(dir: string): Keyring {
  const keys: Record<string, Buffer> = {};
  let current: string | undefined;
  // A mounted Secret also holds ..data and timestamped dot-folders: only plain names are keys.
  for (const name of fs.readdirSync(dir).filter((n) => !n.startsWith('.'))) {
    const full = path.join(dir, name);
    if (!fs.statSync(full).isFile()) continue;
    const raw = fs.readFileSync(full);
    if (name === 'current') {
      current = raw.toString('utf8').trim();
      continue;
    }
    keys[name] = raw.length === KEY_BYTES ? raw : Buffer.from(raw.toString('utf8').trim(), 'base64');
  }
  return Keyring.fromKeys(keys, current, dir);
}
