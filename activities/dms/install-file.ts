/**
 * `dmsInstallFile`: streams an image file on this worker to DMS; a no-op when
 * DMS already has the version (Install answers Validated at once).
 */
import * as fs from 'node:fs';
import { badInput, fileMissing, type DmsEndpoint } from './failures';
import type { InstallStreamResult } from './install-stream';
import { fileTransferContent } from './transfer-content';
import { checkEndpoint, checkVersion, type DmsCallInput, type DmsSession } from './session';

export interface DmsInstallFileInput extends DmsCallInput {
  version: string;
  /** Path of the image on this worker. */
  filePath: string;
}

/** The size of the image file, or a non-retryable failure saying why it cannot be sent. */
async function imageSize(t: DmsEndpoint, version: string, filePath: string): Promise<number> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(filePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fileMissing(
      t,
      version,
      filePath,
      code === 'ENOENT' ? 'does not exist' : `cannot be read (${String(err)})`,
    );
  }
  if (!stat.isFile()) throw fileMissing(t, version, filePath, 'is not a regular file');
  if (stat.size === 0) throw fileMissing(t, version, filePath, 'is empty');
  return stat.size;
}

export function installFileActivity({ chunkBytes, install }: DmsSession) {
  return {
    /** Streams an image file to DMS; a no-op when DMS already has the version. Heartbeats `{ bytesSent, bytesTotal, version }`. */
    async dmsInstallFile(input: DmsInstallFileInput): Promise<InstallStreamResult> {
      const t = checkEndpoint(input, 'dmsInstallFile');
      const version = checkVersion(input.version, 'dmsInstallFile', t);
      const filePath = input.filePath;
      if (typeof filePath !== 'string' || filePath === '') {
        throw badInput(
          `dmsInstallFile for DPU ${t.dpu}: filePath ${JSON.stringify(filePath)} must be the image's path`,
        );
      }
      const bytesTotal = await imageSize(t, version, filePath);
      return install(t, version, bytesTotal, () => fileTransferContent(filePath, chunkBytes));
    },
  };
}
