/**
 * model/mlxconfig-params.ts is what scripts/mlxconfig-params.sh reads from
 * mlxconfig's own database (Debian's mstflint): checked against that database
 * (fetched into a cache by the script; under CI=true its absence fails the
 * suite), against the checksum its header records, and against the DPUFlavor
 * CRD's CEL rule and the renderer's check, which must refuse and accept the
 * same names.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { FLAVOR_PATTERNS } from '../../model/dpu-flavor';
import { mlxconfigSpellings, unknownNvconfigName } from '../../model/mlxconfig-names';
import { MLXCONFIG_PARAMS, MLXCONFIG_SOURCE } from '../../model/mlxconfig-params';
import { mlxconfigDbNames } from '../support/mstflint-db';
import { requirePrerequisites } from '../support/prerequisites';
import { REPO_ROOT } from '../support/tools';

/** The script's `--names` listing, rebuilt from the committed list. */
const listing = Object.keys(MLXCONFIG_PARAMS)
  .sort()
  .map((n) => `${n}\t${MLXCONFIG_PARAMS[n].arrayLength}\t${MLXCONFIG_PARAMS[n].tlvClass}\n`)
  .join('');

const db = requirePrerequisites('test/unit/mlxconfig-params.test.ts', ['mstflint']);

db.test(`the committed list is mlxconfig's, from mstflint ${MLXCONFIG_SOURCE.version}`, () => {
  expect(mlxconfigDbNames()).toBe(listing);
});

test('the committed list is the one its header records (namesSha256)', () => {
  expect(createHash('sha256').update(listing).digest('hex')).toBe(MLXCONFIG_SOURCE.namesSha256);
  expect(Object.keys(MLXCONFIG_PARAMS)).toHaveLength(322);
  const arrays = Object.entries(MLXCONFIG_PARAMS).filter(([, p]) => p.arrayLength > 0);
  expect(arrays.map(([n, p]) => [n, p.arrayLength])).toEqual([
    ['ESWITCH_HAIRPIN_DESCRIPTORS', 8],
    ['ESWITCH_HAIRPIN_TOT_BUFFER_SIZE', 8],
    ['HOST_CHAINING_DESCRIPTORS', 8],
    ['HOST_CHAINING_TOTAL_BUFFER_SIZE', 8],
    ['MODULE_SPLIT', 16],
    ['PCI_DOWNSTREAM_PORT_OWNER', 16],
    ['PCI_SW_LANES_MAPPING', 8],
  ]);
});

/** The DPUFlavor CRD's rule on each nvconfig parameter. */
function crdRule(): { rule: string; messageExpression: string } {
  const file = path.join(REPO_ROOT, 'charts/xpuflow/crds/provisioning.xpuflow.dev_dpuflavors.yaml');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a parsed CRD
  const crd = parse(fs.readFileSync(file, 'utf8')) as any;
  const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
  const item = spec.properties.nvconfig.items.properties.parameters.items;
  expect(item.pattern).toBe(FLAVOR_PATTERNS.nvconfigParameter);
  expect(item['x-kubernetes-validations']).toHaveLength(1);
  return item['x-kubernetes-validations'][0];
}

test("the CRD's CEL rule accepts exactly mlxconfig's names and array elements, and says where they come from", () => {
  const { rule, messageExpression } = crdRule();
  const keys = [...rule.matchAll(/'([^']*)': true/g)].map((m) => m[1]);
  const expected = mlxconfigSpellings();
  expect(keys).toEqual(expected);
  expect(rule).toBe(`self.find('^[^=]*') in {${expected.map((k) => `'${k}': true`).join(', ')}}`);
  expect(expected).toHaveLength(754);
  expect(expected).toEqual(
    expect.arrayContaining(['SRIOV_EN', 'LINK_TYPE_P1', 'LINK_TYPE_P8', 'MODULE_SPLIT_M1[15]']),
  );
  expect(messageExpression).toContain("unknown mlxconfig parameter ' + self.find('^[^=]*')");
  expect(messageExpression).toContain(`mstflint ${MLXCONFIG_SOURCE.version}`);
  // The renderer's check agrees with the rule on every name the rule knows, and the shape lets each through.
  const shape = new RegExp(FLAVOR_PATTERNS.nvconfigParameter);
  expect(keys.filter((k) => unknownNvconfigName(`${k}=1`) !== undefined || !shape.test(`${k}=1`))).toEqual(
    [],
  );
});

test.each([
  ['SRIOV_EN=1', undefined],
  ['EXP_ROM_UEFI_x86_ENABLE=1', undefined],
  ['LINK_TYPE_P1=ETH', undefined],
  ['LINK_TYPE_P2=2', undefined],
  ['MODULE_SPLIT_M0[0]=1', undefined],
  ['MODULE_SPLIT_M1[15]=1', undefined],
  ['ESWITCH_HAIRPIN_DESCRIPTORS[7]=1', undefined],
  ['SRIOV_ENABLE=1', 'SRIOV_ENABLE'],
  ['LINK_TYPE=ETH', 'LINK_TYPE'],
  ['LINK_TYPE_P0=ETH', 'LINK_TYPE_P0'],
  ['LINK_TYPE_P9=ETH', 'LINK_TYPE_P9'],
  ['SRIOV_EN_P1=1', 'SRIOV_EN_P1'],
  ['MODULE_SPLIT[0]=1', 'MODULE_SPLIT[0]'],
  ['MODULE_SPLIT_M2[0]=1', 'MODULE_SPLIT_M2[0]'],
  ['ESWITCH_HAIRPIN_DESCRIPTORS[8]=1', 'ESWITCH_HAIRPIN_DESCRIPTORS[8]'],
  ['ESWITCH_HAIRPIN_DESCRIPTORS=1', 'ESWITCH_HAIRPIN_DESCRIPTORS'],
  ['SRIOV_EN[0]=1', 'SRIOV_EN[0]'],
  ['constructor=1', 'constructor'],
  ['toString=1', 'toString'],
])('unknownNvconfigName(%s) is %s', (parameter, unknown) => {
  expect(unknownNvconfigName(parameter)).toBe(unknown);
});

test("DPF's own DPUFlavor nvconfig parameters are all known and well formed", () => {
  // NVIDIA/doca-platform config/provisioning/default/flavor-hbn-ovn.yaml and
  // docs/guides/usecases/hbn_only/manifests/04-dpuservice-installation/hbn-dpuflavor.yaml
  // @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f.
  const dpf = [
    'PF_BAR2_ENABLE=0',
    'PER_PF_NUM_SF=1',
    'PF_TOTAL_SF=20',
    'PF_SF_BAR_SIZE=10',
    'NUM_PF_MSIX_VALID=0',
    'PF_NUM_PF_MSIX_VALID=1',
    'PF_NUM_PF_MSIX=228',
    'INTERNAL_CPU_MODEL=1',
    'INTERNAL_CPU_OFFLOAD_ENGINE=0',
    'SRIOV_EN=1',
    'NUM_OF_VFS=46',
    'LAG_RESOURCE_ALLOCATION=1',
  ];
  const shape = new RegExp(FLAVOR_PATTERNS.nvconfigParameter);
  expect(dpf.filter((p) => !shape.test(p) || unknownNvconfigName(p) !== undefined)).toEqual([]);
});
