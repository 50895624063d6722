/** The retry annotation's values and the retry hint a parked DPU's status carries. */
import { retryHint } from '../../model/operator-hints';
import { Phase, RETRYABLE_FROM } from '../../model/phases';
import { parseRetryAnnotation, RETRY_ANNOTATION } from '../../model/retry-annotation';

test.each([
  ['', {}],
  ['true', {}],
  [' TRUE ', {}],
  ['OS Installing', { fromPhase: Phase.OsInstalling }],
  ['os-installing', { fromPhase: Phase.OsInstalling }],
  ['hostnetworkconfiguration', { fromPhase: Phase.HostNetworkConfiguration }],
])('%j asks a retry %j', (value, asked) => {
  expect(parseRetryAnnotation(value)).toEqual(asked);
});

test.each(['Flashing', 'Ready', 'Error', 'false', '1'])(
  '%j names no phase a retry starts from: the problem quotes it and lists the phases allowed',
  (value) => {
    const asked = parseRetryAnnotation(value);
    expect(asked).toEqual({ problem: expect.stringContaining(JSON.stringify(value)) });
    expect((asked as { problem: string }).problem).toContain(RETRYABLE_FROM.join(', '));
  },
);

test('the retry hint of a DPU object names the namespaced command and the annotation; of a CLI run, the command by name', () => {
  const kube = {
    name: 'd1',
    kube: { ref: { namespace: 'ns1', name: 'd1' }, generation: 1, dmsPort: 9339, dmsImage: 'i:1' },
  };
  expect(retryHint(kube)).toContain('`xpuflow dpu retry -n ns1 d1`');
  expect(retryHint(kube)).toContain(`kubectl annotate dpu d1 -n ns1 ${RETRY_ANNOTATION}=true`);
  expect(retryHint({ name: 'd1' })).toContain('`xpuflow dpu retry d1`');
  expect(retryHint({ name: 'd1' })).not.toContain('-n ');
});
