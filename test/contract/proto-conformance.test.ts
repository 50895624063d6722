/**
 * xpuflow's proto subsets against upstream: gNOI os/system/types against
 * github.com/openconfig/gnoi@v0.8.0 and the kubelet device plugin API against
 * k8s.io/kubelet@v0.36.3 (both read from the Go module proxy's files, cached by
 * scripts/upstream-protos.sh), and the OPI evpn-gw subset against the table in
 * opi-upstream.ts (opi-api is not served by a registry here). See proto/README.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareRoots, loadRoot } from './proto-compare';
import { opiUpstreamRoot, OPI_UPSTREAM_SOURCE, writeOpiUpstreamProto } from './opi-upstream';
import { describeWith, upstreamProtoDir } from '../support/third-party-tools';
import { REPO_ROOT } from '../support/tools';

const PROTO = path.join(REPO_ROOT, 'proto');
const subset = (...files: string[]) =>
  loadRoot(
    files.map((f) => path.join(PROTO, f)),
    [PROTO],
  );

const upstream = upstreamProtoDir();

describeWith([upstream], 'the gNOI and kubelet proto conformance tests')(
  'subsets read against upstream files',
  () => {
    const dir = upstream.dir as string;
    const gnoi = (f: string) => path.join(dir, 'github.com/openconfig/gnoi', f);

    test('gNOI os, system and types match github.com/openconfig/gnoi v0.8.0', () => {
      const mine = subset('gnoi/types.proto', 'gnoi/os.proto', 'gnoi/system.proto');
      const theirs = loadRoot(
        [gnoi('types/types.proto'), gnoi('os/os.proto'), gnoi('system/system.proto')],
        [dir],
      );
      expect(compareRoots(mine, theirs, REPO_ROOT)).toEqual([]);
    });

    test('the kubelet device plugin API matches k8s.io/kubelet v0.36.3', () => {
      const mine = subset('kubelet/deviceplugin/v1beta1/api.proto');
      const theirs = loadRoot([path.join(dir, 'kubelet/api.proto')], [dir]);
      expect(compareRoots(mine, theirs, REPO_ROOT)).toEqual([]);
    });

    test('the comparator reports a field renumbered, retyped or relabelled in a copy of a subset', () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-proto-alter-'));
      try {
        fs.mkdirSync(path.join(tmp, 'gnoi'));
        fs.copyFileSync(path.join(PROTO, 'gnoi/types.proto'), path.join(tmp, 'gnoi/types.proto'));
        const system = fs
          .readFileSync(path.join(PROTO, 'gnoi/system.proto'), 'utf8')
          .replace(/uint64 delay = 2;/, 'uint32 delay = 2;')
          .replace(/bool force = 5;/, 'bool force = 6;')
          .replace(/repeated gnoi\.types\.Path subcomponents = 1;/, 'gnoi.types.Path subcomponents = 1;')
          .replace(/POWERUP = 7;/, 'POWERUP = 8;');
        fs.writeFileSync(path.join(tmp, 'gnoi/system.proto'), system);
        const altered = loadRoot([path.join(tmp, 'gnoi/system.proto')], [tmp]);
        const theirs = loadRoot([gnoi('system/system.proto')], [dir]);
        const found = compareRoots(altered, theirs, tmp);
        expect(found).toEqual(
          expect.arrayContaining([
            'gnoi/system.proto: gnoi.system.RebootRequest.delay: type is uint32 here, uint64 upstream',
            'gnoi/system.proto: gnoi.system.RebootRequest.force: number is 6 here, 5 upstream',
            'gnoi/system.proto: gnoi.system.RebootStatusRequest.subcomponents: label is singular here, repeated upstream',
            'gnoi/system.proto: gnoi.system.RebootMethod.POWERUP: number is 8 here, 7 upstream',
          ]),
        );
        expect(found).toHaveLength(4);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  },
);

describe(`the OPI evpn-gw subset against ${OPI_UPSTREAM_SOURCE.repository} ${OPI_UPSTREAM_SOURCE.path}@${OPI_UPSTREAM_SOURCE.commit.slice(0, 12)}`, () => {
  test('proto/opi/bridge_port.proto matches the upstream table', () => {
    expect(compareRoots(subset('opi/bridge_port.proto'), opiUpstreamRoot(), REPO_ROOT)).toEqual([]);
  });

  test('the table written as .proto (what grpcurl-opi.test.ts calls with) says the same as the table', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-opi-upstream-'));
    try {
      const written = loadRoot([path.join(tmp, writeOpiUpstreamProto(tmp))], [tmp]);
      expect(compareRoots(subset('opi/bridge_port.proto'), written, REPO_ROOT)).toEqual([]);
      expect(compareRoots(written, opiUpstreamRoot(), tmp)).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('the comparator reports the LogicalBridgeSpec numbering xpuflow had before (vni = 1, vlan_id = 2)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-proto-alter-'));
    try {
      const old = fs
        .readFileSync(path.join(PROTO, 'opi/bridge_port.proto'), 'utf8')
        .replace(
          /message LogicalBridgeSpec \{[^}]*\}/,
          'message LogicalBridgeSpec {\n  uint32 vni = 1;\n  uint32 vlan_id = 2;\n}',
        );
      fs.writeFileSync(path.join(tmp, 'bridge_port.proto'), old);
      const found = compareRoots(
        loadRoot([path.join(tmp, 'bridge_port.proto')], [tmp]),
        opiUpstreamRoot(),
        tmp,
      );
      expect(found).toEqual([
        'bridge_port.proto: opi_api.network.evpn_gw.v1alpha1.LogicalBridgeSpec.vni: number is 1 here, 2 upstream',
        'bridge_port.proto: opi_api.network.evpn_gw.v1alpha1.LogicalBridgeSpec.vni: label is singular here, optional upstream',
        'bridge_port.proto: opi_api.network.evpn_gw.v1alpha1.LogicalBridgeSpec.vlan_id: number is 2 here, 1 upstream',
      ]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
