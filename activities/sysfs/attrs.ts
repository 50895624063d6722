/** Reading and writing single sysfs attributes. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SysfsErrorType, errnoOf, nonRetryable, retryable } from './errors';

/**
 * Reads an attribute, trimmed. A real sysfs attribute never reads empty;
 * a plain file being rewritten can for an instant, so an empty read is
 * retried a few times before it is returned as ''.
 */
export async function readAttr(file: string): Promise<string> {
  for (let i = 0; ; i++) {
    const text = (await fs.readFile(file, 'utf8')).trim();
    if (text !== '' || i >= 20) return text;
    await delay(2);
  }
}

/** The name a symlink points to (`<dev>/driver` → "vfio-pci"), or undefined when there is no such link. */
export async function readLinkName(link: string): Promise<string | undefined> {
  try {
    return path.basename(await fs.readlink(link));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export async function readIntAttr(file: string, what: string): Promise<number> {
  const text = await readAttr(file);
  if (!/^\d+$/.test(text)) {
    throw retryable(
      SysfsErrorType.KernelRefused,
      `${what} (${file}) reads ${JSON.stringify(text)}, not a number`,
    );
  }
  return Number(text);
}

/**
 * Writes `value\n` as `echo value > file` would; maps errno to failures a
 * person can act on. `what` names the write in messages: "sriov_numvfs=4 on 0000:03:00.0".
 */
export async function writeAttr(file: string, value: string, what: string): Promise<void> {
  try {
    await fs.writeFile(file, `${value}\n`);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw nonRetryable(
        SysfsErrorType.SysfsPermissionDenied,
        `cannot write ${what} (${file}: ${code}); the host worker needs root (CAP_SYS_ADMIN) and a writable /sys`,
        { file, errno: code },
      );
    }
    if (code) {
      throw retryable(
        SysfsErrorType.KernelRefused,
        `kernel refused ${what} (${file}: ${code}); check dmesg on the host`,
        {
          file,
          errno: code,
        },
      );
    }
    throw err;
  }
}
