/** The host's grants of guest VFClaims (model/vf-claim-grants.ts) and the spec's either/or fields (model/vf-claim-api.ts). */
import { vfClaimGrantProblem, vfClaimRefusal } from '../../model/vf-claim-grants';
import { vfClaimSpecProblem } from '../../model/vf-claim-api';

const WHERE = 'vf-claims/xpuflow-vf-claim-grants';
const grant = { vms: ['vm1', 'tenant-a-*'], pfs: ['0000:5e:00.0'], pools: ['pool-a'] };

test('a claim inside the grant passes: an exact VM or a prefix, a granted PF or pool', () => {
  expect(
    vfClaimRefusal(grant, { cluster: 'g', vm: 'vm1', pfAddress: '0000:5e:00.0' }, WHERE),
  ).toBeUndefined();
  expect(vfClaimRefusal(grant, { cluster: 'g', vm: 'tenant-a-7', pool: 'pool-a' }, WHERE)).toBeUndefined();
});

test('outside the grant: refused naming the guest, the value and what the host admin adds', () => {
  expect(vfClaimRefusal(undefined, { cluster: 'g', vm: 'vm1', pool: 'pool-a' }, WHERE)).toBe(
    `guest cluster g has no VF grant on this host: the host admin adds key g to ConfigMap ${WHERE}, e.g. {"vms": ["vm1"], "pools": ["pool-a"]}`,
  );
  expect(vfClaimRefusal(grant, { cluster: 'g', vm: 'tenant-b-1', pool: 'pool-a' }, WHERE)).toMatch(
    /may not claim a VF for VM tenant-b-1: the host admin adds "tenant-b-1" to "vms" of key g/,
  );
  // a PF grant is no pool grant, and the other way round
  expect(vfClaimRefusal(grant, { cluster: 'g', vm: 'vm1', pool: '0000:5e:00.0' }, WHERE)).toMatch(
    /may not claim from pool 0000:5e:00\.0: the host admin adds "0000:5e:00\.0" to "pools"/,
  );
  expect(vfClaimRefusal(grant, { cluster: 'g', vm: 'vm1', pfAddress: '0000:5e:00.1' }, WHERE)).toMatch(
    /may not claim from PF 0000:5e:00\.1: the host admin adds "0000:5e:00\.1" to "pfs"/,
  );
});

test('a grant that is not {vms, pfs, pools} lists of strings is named', () => {
  expect(vfClaimGrantProblem('g', ['vm1'])).toMatch(/key g must be a JSON object/);
  expect(vfClaimGrantProblem('g', { vms: 'vm1' })).toBe('key g: "vms" must be a list of strings, not "vm1"');
  expect(vfClaimGrantProblem('g', grant)).toBeUndefined();
});

test('the spec names exactly one of pfAddress/pool and one of vmName/podName, values named', () => {
  const base = { nodeName: 'host-1' };
  expect(vfClaimSpecProblem({ ...base, pfAddress: '0000:5e:00.0', vmName: 'vm1' })).toBeUndefined();
  expect(vfClaimSpecProblem({ ...base, pool: 'pool-a', podName: 'web' })).toBeUndefined();
  expect(vfClaimSpecProblem({ ...base, pfAddress: '0000:5e:00.0', pool: 'p', vmName: 'vm1' })).toBe(
    'spec names both pfAddress "0000:5e:00.0" and pool "p": name exactly one',
  );
  expect(vfClaimSpecProblem({ ...base, vmName: 'vm1' })).toBe(
    'spec names neither pfAddress nor pool: name exactly one',
  );
  expect(vfClaimSpecProblem({ ...base, pool: 'p', vmName: 'vm1', podName: 'web' })).toMatch(
    /both vmName "vm1" and podName "web"/,
  );
  expect(vfClaimSpecProblem({ ...base, pool: 'p' })).toBe(
    'spec names neither vmName nor podName: name exactly one',
  );
  expect(vfClaimSpecProblem({ ...base, pool: 'bad pool!', vmName: 'vm1' })).toMatch(
    /spec\.pool "bad pool!" is not a pool name/,
  );
});
