/**
 * OpenStack's sushy-tools Redfish emulator (`sushy-emulator --fake`, from scripts/ensure-redfish-tools.sh)
 * on a free loopback port, over HTTPS with a certificate from a test CA, and with basic authentication
 * (SUSHY_EMULATOR_AUTH_FILE: an htpasswd file of bcrypt digests, the only kind sushy accepts).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { freePort } from '../../sim/free-port';
import { TestPki } from '../support/certs';
import { redfishToolsBinDir } from '../support/redfish-tools';
import { waitFor } from '../support/wait-for';

export interface Sushy {
  address: string;
  caPem: string;
  certSha256: string;
  username: string;
  password: string;
  stop(): Promise<void>;
}

export async function startSushy(): Promise<Sushy> {
  const bin = redfishToolsBinDir();
  const pki = new TestPki();
  const ca = pki.ca('sushy-ca');
  const leaf = pki.issue(ca, 'sushy', { serverNames: ['127.0.0.1'] });
  const username = 'admin';
  const password = crypto.randomBytes(9).toString('base64url');
  const digest = execFileSync(
    path.join(bin, 'python'),
    [
      '-c',
      'import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(4)).decode())',
      password,
    ],
    {
      encoding: 'utf8',
    },
  ).trim();
  const authFile = path.join(pki.dir, 'htpasswd');
  fs.writeFileSync(authFile, `${username}:${digest}\n`);
  const config = path.join(pki.dir, 'sushy.conf');
  fs.writeFileSync(config, `SUSHY_EMULATOR_AUTH_FILE = ${JSON.stringify(authFile)}\n`);
  const port = await freePort();
  const log: string[] = [];
  const child: ChildProcess = spawn(
    path.join(bin, 'sushy-emulator'),
    [
      '--config',
      config,
      '--fake',
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '--ssl-certificate',
      leaf.cert,
      '--ssl-key',
      leaf.key,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  const caPem = fs.readFileSync(ca.cert, 'utf8');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    pki.dispose();
  };
  try {
    await waitFor('sushy-emulator to serve /redfish/v1', () => rootAnswers(port, caPem), {
      timeoutMs: 30_000,
      everyMs: 200,
      explain: () => `sushy-emulator exit ${child.exitCode}; its output:\n${log.join('').slice(-2000)}`,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const der = new crypto.X509Certificate(fs.readFileSync(leaf.cert)).raw;
  return {
    address: `127.0.0.1:${port}`,
    caPem,
    certSha256: crypto.createHash('sha256').update(der).digest('hex'),
    username,
    password,
    stop,
  };
}

function rootAnswers(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/redfish/v1', ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}
