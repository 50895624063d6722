/** `dmsInstallContent`: sends a small in-memory file (a bf.cfg) to DMS; a no-op when DMS already has the version. */
import { badInput } from './failures';
import type { InstallStreamResult } from './install-stream';
import { checkEndpoint, checkVersion, type DmsCallInput, type DmsSession } from './session';

export interface DmsInstallContentInput extends DmsCallInput {
  /** A bf.cfg version: ends in `.cfg`. */
  version: string;
  /** The file's text (UTF-8). */
  content: string;
}

export function installContentActivity({ chunkBytes, install }: DmsSession) {
  return {
    /** Sends a small in-memory file (a bf.cfg; version ends in `.cfg`); a no-op when DMS already has the version. */
    async dmsInstallContent(input: DmsInstallContentInput): Promise<InstallStreamResult> {
      const t = checkEndpoint(input, 'dmsInstallContent');
      const version = checkVersion(input.version, 'dmsInstallContent', t);
      // DMS's rule: "bf cfg file must end with .cfg" (NVIDIA/doca-platform,
      // internal/provisioning/controllers/dpu/state/gnoi/installing.go, commit 6acfda03356adceb17657555ce4ecca01f6bb32c).
      if (!version.endsWith('.cfg')) {
        throw badInput(
          `dmsInstallContent for DPU ${t.dpu}: version ${JSON.stringify(version)} must end in .cfg (it sends a bf.cfg); ` +
            `send BFB images with dmsInstallFile`,
        );
      }
      if (typeof input.content !== 'string' || input.content === '') {
        throw badInput(
          `dmsInstallContent for DPU ${t.dpu}: content of ${version} must be a non-empty string`,
        );
      }
      const bytes = Buffer.from(input.content, 'utf8');
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
      return install(t, version, bytes.length, () => chunks);
    },
  };
}
