/** The DPUServiceCredentialRequest rules: durations, spec checks naming field and value, the renewal point. */
import type { CredentialSpec } from '../../model/resources/credential';
import {
  checkDuration,
  credentialSpecProblems,
  durationSeconds,
  parseDuration,
  renewDelayMs,
} from '../../model/credential';
import { createCredentialActivities, secretData } from '../../activities/kube/credential';
import * as k8s from '@kubernetes/client-node';

const good: CredentialSpec = {
  serviceAccount: { name: 'telemetry', namespace: 'dpu-services' },
  targetCluster: 'dpu-cluster',
  duration: '1h',
  type: 'kubeconfig',
  secret: { name: 'telemetry-creds', namespace: 'xpuflow' },
};

test.each([
  ['1h', 3_600_000],
  ['30m', 1_800_000],
  ['1h30m', 5_400_000],
  ['90s', 90_000],
  ['1.5h', 5_400_000],
  ['2h0m0s', 7_200_000],
  ['500ms', 500],
])('duration %s is %d ms', (v, ms) => {
  expect(parseDuration(v)).toBe(ms);
});

test.each(['', '1', 'h', '1d', '-1h', '1 h', ' 1h', '1h ', 'one hour', '1H'])(
  'duration %j is not a duration, named in the message',
  (v) => {
    expect(parseDuration(v)).toBeUndefined();
    expect(checkDuration(v)).toBe(
      `spec.duration ${JSON.stringify(v)} is not a duration: write it like "1h", "30m" or "1h30m"`,
    );
  },
);

test.each(['10m', '600s', '1h', '24h', '23h59m', '1440m'])('duration %s is within 10m..24h', (v) => {
  expect(checkDuration(v)).toBeUndefined();
});

test.each(['5m', '9m59s', '25h', '24h0m1s', '0s'])(
  'duration %s is out of range, named with field and value',
  (v) => {
    expect(checkDuration(v)).toBe(`spec.duration ${JSON.stringify(v)} is out of range: ask for 10m to 24h`);
  },
);

test('durationSeconds is whole seconds for TokenRequest', () => {
  expect(durationSeconds('1h')).toBe(3600);
  expect(durationSeconds('10m0.5s')).toBe(600);
  expect(() => durationSeconds('soon')).toThrow(/spec.duration "soon"/);
});

test('a good spec has no problems; the host cluster is an empty or absent targetCluster', () => {
  expect(credentialSpecProblems(good)).toEqual([]);
  expect(credentialSpecProblems({ ...good, targetCluster: '' })).toEqual([]);
  const { targetCluster: _, ...host } = good;
  expect(credentialSpecProblems(host)).toEqual([]);
});

test('every bad field is named with its value', () => {
  const bad = {
    serviceAccount: { name: 'Bad_Name', namespace: 'x'.repeat(64) },
    targetCluster: 'No',
    duration: '25h',
    type: 'token',
    secret: { name: '', namespace: 'ns' },
  } as unknown as CredentialSpec;
  const problems = credentialSpecProblems(bad);
  expect(problems).toHaveLength(6);
  expect(problems[0]).toContain('spec.serviceAccount.name "Bad_Name"');
  expect(problems[1]).toContain(`spec.serviceAccount.namespace "${'x'.repeat(64)}"`);
  expect(problems[2]).toContain('spec.targetCluster "No"');
  expect(problems[3]).toContain('spec.duration "25h"');
  expect(problems[4]).toBe('spec.type "token" is not one of kubeconfig, tokenFile');
  expect(problems[5]).toContain('spec.secret.name ""');
  expect(credentialSpecProblems(undefined)).toEqual(['spec is missing']);
});

test('renewal is at 80 % of the real lifetime plus at most 5 % jitter', () => {
  const hour = 3_600_000;
  expect(renewDelayMs(hour, 0)).toBe(0.8 * hour);
  expect(renewDelayMs(hour, 0.999999)).toBeLessThanOrEqual(0.85 * hour);
  expect(renewDelayMs(hour, 0.5)).toBe(0.825 * hour);
  // A server that granted less than asked: 80 % of what it granted.
  expect(renewDelayMs(10 * 60_000, 0)).toBe(8 * 60_000);
});

test('the Secret: a kubeconfig naming the server, CA and token; or token, ca.crt and server', () => {
  const issued = {
    token: 'tok',
    issuedAt: '2026-01-01T00:00:00.000Z',
    expirationTimestamp: '2026-01-01T01:00:00.000Z',
    server: 'https://10.0.0.1:6443',
    caData: Buffer.from('CA PEM').toString('base64'),
  };
  const kc = new k8s.KubeConfig();
  kc.loadFromString(secretData(good, issued).kubeconfig);
  expect(kc.getCurrentCluster()).toMatchObject({
    name: 'dpu-cluster',
    server: issued.server,
    caData: issued.caData,
  });
  expect(kc.getCurrentUser()?.token).toBe('tok');
  expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('dpu-services');
  expect(secretData({ ...good, type: 'tokenFile' }, issued)).toEqual({
    token: 'tok',
    server: issued.server,
    'ca.crt': 'CA PEM',
  });
});

test('without the payload codec no token is handed out: it would sit in history in clear', async () => {
  const acts = createCredentialActivities(new k8s.KubeConfig(), { payloadsEncrypted: () => false });
  await expect(
    acts.requestServiceAccountToken({ request: { namespace: 'ns', name: 'r' }, spec: good }),
  ).rejects.toMatchObject({
    type: 'PayloadsNotEncrypted',
    nonRetryable: true,
    message: expect.stringContaining('XPUFLOW_CODEC_KEYS is not set'),
  });
});

test('a bad spec is refused before any cluster is touched, naming the field', async () => {
  const acts = createCredentialActivities(undefined, { payloadsEncrypted: () => true });
  await expect(
    acts.requestServiceAccountToken({
      request: { namespace: 'ns', name: 'r' },
      spec: { ...good, duration: '5m' },
    }),
  ).rejects.toMatchObject({ type: 'InvalidSpec', message: expect.stringContaining('spec.duration "5m"') });
});
