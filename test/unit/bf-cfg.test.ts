/**
 * bf.cfg rendering: exact output, determinism, validation, and proof by
 * bash itself (bash -n, sourcing, running bfb_modify_os) that no value can
 * leave its quotes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import execa from 'execa';
import { bfbVersionOf, renderBfCfg, shQuote } from '../../activities/bfb';
import type { DpuSpec } from '../../model/dpu';

const HASH =
  '$6$rounds=4096$saltsalt$3MEaFBOJEhXr0mCdVJ6fPGRDvcb2AB7SsG.DS3RBNqpqmOwtr0FGwe9dy3.kRYm2/0ZB3Ls1MzF1vAbrlW5wL1';

function spec(overrides: Partial<DpuSpec> = {}): DpuSpec {
  return {
    name: 'host-1-dpu-0',
    node: 'host-1',
    pciAddress: '0000:03:00.0',
    bfb: { url: 'http://bfb.local/bf-bundle.bfb', sha256: 'a'.repeat(64) },
    dmsAddress: '10.0.0.5:9339',
    numVfs: 4,
    automaticReboot: true,
    ...overrides,
  };
}

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bfcfg-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(content: string): string {
  const file = path.join(dir, 'bf.cfg');
  fs.writeFileSync(file, content);
  return file;
}

/** Sources `file` in bash and prints the named variables, NUL-separated. */
async function sourced(
  file: string,
  names: string[],
  cwd?: string,
): Promise<Record<string, string | undefined>> {
  const script = `set -eu; source "$1"; shift; for n in "$@"; do if [ -n "\${!n+x}" ]; then printf '%s=%s\\0' "$n" "\${!n}"; fi; done`;
  const { stdout } = await execa('bash', ['-c', script, '_', file, ...names], {
    stripFinalNewline: false,
    cwd,
  });
  const out: Record<string, string | undefined> = {};
  for (const pair of stdout.split('\0').filter((p) => p !== '')) {
    const i = pair.indexOf('=');
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

function invalid(fn: () => unknown): ApplicationFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('renderBfCfg', () => {
  it('renders the exact file', () => {
    const cfg = renderBfCfg(
      spec({
        bfCfg: {
          hostname: 'dpu0.lab',
          ubuntuPasswordHash: HASH,
          nvconfig: { SRIOV_EN: '1', NUM_OF_VFS: '16' },
        },
      }),
    );
    expect(cfg.fileName).toMatch(/^bf-host-1-dpu-0-[0-9a-f]{12}\.cfg$/);
    expect(cfg.content).toBe(
      [
        '# bf.cfg rendered by xpuflow; sourced by the BlueField BFB installer (bash).',
        '# Generated: edit the DPU spec, not this file. Every value is single-quoted.',
        '',
        "XPUFLOW_DPU_NAME='host-1-dpu-0'",
        "XPUFLOW_NODE='host-1'",
        "XPUFLOW_PCI_ADDRESS='0000:03:00.0'",
        "XPUFLOW_HOSTNAME='dpu0.lab'",
        `ubuntu_PASSWORD='${HASH}'`,
        "NVCONFIG_PARAMS='NUM_OF_VFS=16 SRIOV_EN=1'",
        '',
        '# Run by the installer after the OS is written; the new root is at /mnt.',
        'bfb_modify_os()',
        '{',
        '    local root="${XPUFLOW_TARGET_ROOT:-/mnt}"',
        '    printf \'%s\\n\' "$XPUFLOW_HOSTNAME" > "$root/etc/hostname"',
        '    if ! grep -qsw -- "$XPUFLOW_HOSTNAME" "$root/etc/hosts"; then',
        '        printf \'127.0.1.1 %s\\n\' "$XPUFLOW_HOSTNAME" >> "$root/etc/hosts"',
        '    fi',
        '    mkdir -p "$root/etc/xpuflow"',
        '    {',
        '        printf \'DPU_NAME=%q\\n\' "$XPUFLOW_DPU_NAME"',
        '        printf \'NODE=%q\\n\' "$XPUFLOW_NODE"',
        '        printf \'PCI_ADDRESS=%q\\n\' "$XPUFLOW_PCI_ADDRESS"',
        '    } > "$root/etc/xpuflow/dpu.conf"',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('is deterministic; the name changes with the content; optional lines only when given', () => {
    const a = renderBfCfg(spec({ bfCfg: { nvconfig: { B: '2', A: '1' } } }));
    const b = renderBfCfg(spec({ bfCfg: { nvconfig: { A: '1', B: '2' } } }));
    expect(a).toEqual(b);
    const c = renderBfCfg(spec({ bfCfg: { nvconfig: { A: '1', B: '3' } } }));
    expect(c.fileName).not.toBe(a.fileName);
    const plain = renderBfCfg(spec());
    expect(plain.content).not.toContain('ubuntu_PASSWORD');
    expect(plain.content).not.toContain('NVCONFIG_PARAMS');
    expect(plain.content).toContain("XPUFLOW_HOSTNAME='host-1-dpu-0'");
    expect(plain.fileName.endsWith('.cfg')).toBe(true);
  });

  it('is valid bash, and sourcing it gives back every value', async () => {
    const cfg = renderBfCfg(
      spec({ bfCfg: { ubuntuPasswordHash: HASH, nvconfig: { SRIOV_EN: '1', LINK_TYPE_P1: 'ETH' } } }),
    );
    const file = write(cfg.content);
    await execa('bash', ['-n', file]);
    expect(
      await sourced(file, [
        'ubuntu_PASSWORD',
        'NVCONFIG_PARAMS',
        'XPUFLOW_DPU_NAME',
        'XPUFLOW_NODE',
        'XPUFLOW_PCI_ADDRESS',
        'XPUFLOW_HOSTNAME',
      ]),
    ).toEqual({
      ubuntu_PASSWORD: HASH,
      NVCONFIG_PARAMS: 'LINK_TYPE_P1=ETH SRIOV_EN=1',
      XPUFLOW_DPU_NAME: 'host-1-dpu-0',
      XPUFLOW_NODE: 'host-1',
      XPUFLOW_PCI_ADDRESS: '0000:03:00.0',
      XPUFLOW_HOSTNAME: 'host-1-dpu-0',
    });
  });

  it('bfb_modify_os sets the hostname and writes dpu.conf into the new root', async () => {
    const file = write(renderBfCfg(spec({ bfCfg: { hostname: 'dpu0' } })).content);
    const target = path.join(dir, 'mnt');
    fs.mkdirSync(path.join(target, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(target, 'etc/hosts'), '127.0.0.1 localhost\n');
    for (let i = 0; i < 2; i++) {
      await execa('bash', ['-c', 'set -eu; source "$1"; bfb_modify_os', '_', file], {
        env: { XPUFLOW_TARGET_ROOT: target },
      });
    }
    expect(fs.readFileSync(path.join(target, 'etc/hostname'), 'utf8')).toBe('dpu0\n');
    expect(fs.readFileSync(path.join(target, 'etc/hosts'), 'utf8')).toBe(
      '127.0.0.1 localhost\n127.0.1.1 dpu0\n',
    );
    const conf = path.join(target, 'etc/xpuflow/dpu.conf');
    expect(fs.readFileSync(conf, 'utf8')).toBe(
      'DPU_NAME=host-1-dpu-0\nNODE=host-1\nPCI_ADDRESS=0000:03:00.0\n',
    );
    expect(await sourced(conf, ['DPU_NAME', 'NODE', 'PCI_ADDRESS'])).toEqual({
      DPU_NAME: 'host-1-dpu-0',
      NODE: 'host-1',
      PCI_ADDRESS: '0000:03:00.0',
    });
  });

  it.each([
    ["dpu'; rm -rf /", 'hostname'],
    ['$(reboot)', 'hostname'],
    ['a b', 'hostname'],
    ['dpu\nrm -rf /', 'hostname'],
    ['-dpu', 'hostname'],
  ])('refuses hostname %p, naming it', (hostname, what) => {
    const err = invalid(() => renderBfCfg(spec({ bfCfg: { hostname } })));
    expect(err.type).toBe('InvalidBfCfg');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain(what);
    expect(err.message).toContain(JSON.stringify(hostname));
  });

  it.each([
    [{ 'SRIOV_EN; reboot': '1' }, 'SRIOV_EN; reboot'],
    [{ sriov_en: '1' }, 'sriov_en'],
    [{ SRIOV_EN: "1' ; reboot ; '" }, "1' ; reboot ; '"],
    [{ SRIOV_EN: '1 NUM_OF_VFS=999' }, '1 NUM_OF_VFS=999'],
    [{ SRIOV_EN: '' }, '""'],
  ])('refuses nvconfig %p, naming the key or value', (nvconfig, named) => {
    const err = invalid(() => renderBfCfg(spec({ bfCfg: { nvconfig } })));
    expect(err.type).toBe('InvalidBfCfg');
    expect(err.message).toContain(named.startsWith('"') ? named : JSON.stringify(named));
  });

  it('refuses a clear password without repeating it', () => {
    const err = invalid(() => renderBfCfg(spec({ bfCfg: { ubuntuPasswordHash: "hunter2'; reboot" } })));
    expect(err.type).toBe('InvalidBfCfg');
    expect(err.message).toContain('never pass a clear password');
    expect(err.message).not.toContain('hunter2');
  });

  it('refuses a spec whose name, node or PCI address is invalid', () => {
    expect(invalid(() => renderBfCfg(spec({ name: "x'y" }))).message).toContain('DPU name');
    expect(invalid(() => renderBfCfg(spec({ node: 'a b' }))).message).toContain('node name');
    expect(invalid(() => renderBfCfg(spec({ pciAddress: '../x' }))).message).toContain('PCI address');
  });
});

describe('shQuote', () => {
  const nasty = [
    "'; rm -rf / #",
    "it's",
    "''''",
    '$(touch CANARY)',
    '`touch CANARY`',
    '"; touch CANARY; "',
    'a\nb\ntouch CANARY',
    '\\',
    "\\'",
    '$HOME ${PATH} $((1+1)) !! *',
    '',
    'ünïcødé ☃',
  ];

  it('round-trips every value through bash, running nothing', async () => {
    const lines = nasty.map((v, i) => `V${i}=${shQuote(v)}`);
    const file = write(`${lines.join('\n')}\n`);
    await execa('bash', ['-n', file]);
    // Sourced from inside the folder: a command that ran would leave CANARY there.
    const values = await sourced(
      file,
      nasty.map((_, i) => `V${i}`),
      dir,
    );
    expect(nasty.map((_, i) => values[`V${i}`])).toEqual(nasty);
    expect(fs.readdirSync(dir)).toEqual(['bf.cfg']);
    // Control: the same value unquoted does run, so the check above can see it.
    await sourced(write('X=$(touch CANARY)\n'), ['X'], dir);
    expect(fs.existsSync(path.join(dir, 'CANARY'))).toBe(true);
  });

  it('refuses NUL', () => {
    expect(() => shQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('bfbVersionOf', () => {
  it('is the file name', () => {
    expect(bfbVersionOf('bf-bundle-2.9.1.bfb')).toBe('bf-bundle-2.9.1.bfb');
    expect(bfbVersionOf('/var/cache/xpuflow/abc/bf-bundle-2.9.1.bfb')).toBe('bf-bundle-2.9.1.bfb');
    expect(() => bfbVersionOf('/var/cache/')).toThrow(/names no file/);
  });
});
