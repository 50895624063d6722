/**
 * xpuflow-cni's order of calls (IPAM plugin, host agent) and its refusals of
 * bad configurations before either is contacted; the CNI exec protocol of
 * ipam-plugin.ts against a plugin script that records what it was given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCni, type CniPeers } from '../../node/cni/main';
import { execIpamPlugin, findPlugin } from '../../node/cni/ipam-plugin';
import type { CniReply__Output, CniRequest } from '../../proto/load-vf';

const conf = {
  cniVersion: '1.0.0',
  name: 'vfnet',
  type: 'xpuflow-cni',
  resourceName: 'xpuflow.io/pool-a',
  deviceID: '0000:03:00.2',
  mtu: 9000,
  ipam: {
    type: 'host-local',
    ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '2001:db8::/64' }]],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
  },
};
const env = {
  CNI_CONTAINERID: 'ctr-1',
  CNI_NETNS: '/var/run/netns/p1',
  CNI_IFNAME: 'net1',
  CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
  CNI_PATH: '/opt/cni/bin',
};
const IPAM_RESULT = {
  cniVersion: '1.0.0',
  ips: [
    { address: '10.1.0.2/24', gateway: '10.1.0.1' },
    { address: '2001:db8::2/64', gateway: '2001:db8::1' },
  ],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
};

/** Peers that record each call in order; `agentReply` decides the host agent's answer. */
function recordingPeers(agentReply: (req: CniRequest) => Partial<CniReply__Output> = () => ({})) {
  const calls: string[] = [];
  const requests: CniRequest[] = [];
  const peers: CniPeers = {
    ipam: async (command, type) => {
      calls.push(`ipam ${type} ${command}`);
      return command === 'ADD' ? JSON.stringify(IPAM_RESULT) : '';
    },
    agent: async (_socket, req) => {
      calls.push(`agent ${req.command}`);
      requests.push(req);
      return { resultJson: '', errorCode: 0, errorMsg: '', errorDetails: '', ...agentReply(req) };
    },
  };
  return { calls, requests, peers };
}

describe('bad configurations are refused with code 7 naming the field, before anything is contacted', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['mtu of the wrong type', { ...conf, mtu: 'big' }, 'mtu "big"'],
    ['missing resourceName', { ...conf, resourceName: undefined }, 'resourceName'],
    ['resourceName not a string', { ...conf, resourceName: 7 }, 'resourceName 7'],
    ['unknown IPAM type', { ...conf, ipam: { type: 'whereabouts' } }, 'ipam.type "whereabouts"'],
    ['IPAM type with a path', { ...conf, ipam: { type: '../../bin/sh' } }, 'ipam.type "../../bin/sh"'],
    ['no ipam', { ...conf, ipam: undefined }, 'ipam'],
    [
      'host-local subnet that is no CIDR',
      { ...conf, ipam: { type: 'host-local', ranges: [[{ subnet: '2001:db8::/129' }]] } },
      'ipam.ranges[0][0].subnet "2001:db8::/129"',
    ],
    ['host-local without ranges', { ...conf, ipam: { type: 'host-local' } }, 'ipam.ranges'],
    [
      'static address without a prefix',
      { ...conf, ipam: { type: 'static', addresses: [{ address: '10.1.0.5' }] } },
      'ipam.addresses[0].address "10.1.0.5"',
    ],
    [
      'route gateway that is no address',
      { ...conf, ipam: { type: 'dhcp', routes: [{ dst: '::/0', gw: 'router' }] } },
      'ipam.routes[0].gw "router"',
    ],
    ['hostAgentSocket not a string', { ...conf, hostAgentSocket: 1 }, 'hostAgentSocket 1'],
    ['name missing', { ...conf, name: undefined }, 'name'],
  ];
  test.each(cases)('%s', async (_what, bad, named) => {
    for (const command of ['ADD', 'CHECK']) {
      const { calls, peers } = recordingPeers();
      const r = await runCni({ ...env, CNI_COMMAND: command }, JSON.stringify(bad), peers);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.out)).toMatchObject({ cniVersion: '1.0.0', code: 7 });
      expect(JSON.parse(r.out).msg).toContain(named);
      expect(calls).toEqual([]);
    }
  });

  test('a bad CNI environment (container ID, netns, pod in CNI_ARGS, ifname) is code 4, nothing contacted', async () => {
    const bads = [
      { CNI_CONTAINERID: '' },
      { CNI_CONTAINERID: 'ctr+1' },
      { CNI_NETNS: '' },
      { CNI_ARGS: 'IgnoreUnknown=1' },
      { CNI_IFNAME: 'a/b' },
    ];
    for (const bad of bads) {
      const { calls, peers } = recordingPeers();
      const r = await runCni({ ...env, ...bad, CNI_COMMAND: 'ADD' }, JSON.stringify(conf), peers);
      expect(JSON.parse(r.out)).toMatchObject({ code: 4 });
      expect(calls).toEqual([]);
    }
  });

  test('IPv4 and IPv6 in every IPAM type are accepted', async () => {
    const ipams = [
      conf.ipam,
      { type: 'host-local', subnet: '2001:db8:1::/64', gateway: '2001:db8:1::1' },
      { type: 'static', addresses: [{ address: '10.1.0.5/24' }, { address: '2001:db8::5/64' }] },
      { type: 'dhcp' },
    ];
    for (const ipam of ipams) {
      const { calls, peers } = recordingPeers(() => ({ resultJson: '{}' }));
      const r = await runCni({ ...env, CNI_COMMAND: 'ADD' }, JSON.stringify({ ...conf, ipam }), peers);
      expect({ ipam, out: r.out, code: r.code }).toEqual({ ipam, out: '{}', code: 0 });
      expect(calls).toEqual(
        ipam.type === 'dhcp'
          ? ['agent ADD', 'ipam dhcp ADD', 'agent ADD']
          : [`ipam ${ipam.type} ADD`, 'agent ADD'],
      );
    }
  });
});

describe('delegation order', () => {
  test('ADD: IPAM first, then the host agent carrying the IPAM result', async () => {
    const { calls, requests, peers } = recordingPeers(() => ({ resultJson: '{"cniVersion":"1.0.0"}' }));
    const r = await runCni({ ...env, CNI_COMMAND: 'ADD' }, JSON.stringify(conf), peers);
    expect(r).toEqual({ out: '{"cniVersion":"1.0.0"}', code: 0 });
    expect(calls).toEqual(['ipam host-local ADD', 'agent ADD']);
    expect(JSON.parse(requests[0].ipamResultJson ?? '')).toEqual(IPAM_RESULT);
    expect(requests[0]).toMatchObject({ containerId: 'ctr-1', netns: '/var/run/netns/p1', ifname: 'net1' });
  });

  test('ADD: a host agent failure releases the address (IPAM DEL) and reports the agent error', async () => {
    const { calls, peers } = recordingPeers(() => ({ errorCode: 7, errorMsg: 'VF leased to pod default/x' }));
    const r = await runCni({ ...env, CNI_COMMAND: 'ADD' }, JSON.stringify(conf), peers);
    expect(JSON.parse(r.out)).toMatchObject({ code: 7, msg: 'VF leased to pod default/x' });
    expect(calls).toEqual(['ipam host-local ADD', 'agent ADD', 'ipam host-local DEL']);
  });

  test('ADD: an IPAM failure is reported and the host agent is never asked', async () => {
    const calls: string[] = [];
    const peers: CniPeers = {
      ipam: async () => {
        calls.push('ipam');
        throw new Error('host-local: no free address');
      },
      agent: async () => {
        calls.push('agent');
        return { resultJson: '', errorCode: 0, errorMsg: '', errorDetails: '' };
      },
    };
    const r = await runCni({ ...env, CNI_COMMAND: 'ADD' }, JSON.stringify(conf), peers);
    expect(JSON.parse(r.out)).toMatchObject({ code: 5 });
    expect(calls).toEqual(['ipam']);
  });

  test('ADD with dhcp: the VF into the pod first (no address), then dhcp, then the agent again with the lease', async () => {
    const dhcp = { ...conf, ipam: { type: 'dhcp' } };
    const { calls, requests, peers } = recordingPeers(() => ({ resultJson: '{"cniVersion":"1.0.0"}' }));
    const r = await runCni({ ...env, CNI_COMMAND: 'ADD' }, JSON.stringify(dhcp), peers);
    expect(r).toEqual({ out: '{"cniVersion":"1.0.0"}', code: 0 });
    expect(calls).toEqual(['agent ADD', 'ipam dhcp ADD', 'agent ADD']);
    expect(requests.map((q) => JSON.parse(q.ipamResultJson ?? ''))).toEqual([{ ips: [] }, IPAM_RESULT]);
  });

  test('ADD with dhcp: a failed lease detaches the VF again; a failed second attach also releases the lease', async () => {
    const dhcp = JSON.stringify({ ...conf, ipam: { type: 'dhcp' } });
    const calls: string[] = [];
    let agentAdds = 0;
    const peers = (dhcpFails: boolean, secondAttachFails: boolean): CniPeers => ({
      ipam: async (command) => {
        calls.push(`ipam ${command}`);
        if (command === 'ADD' && dhcpFails) throw new Error('no DHCP offer on net1');
        return command === 'ADD' ? JSON.stringify(IPAM_RESULT) : '';
      },
      agent: async (_socket, req) => {
        calls.push(`agent ${req.command}`);
        const fail = req.command === 'ADD' && ++agentAdds === 2 && secondAttachFails;
        return {
          resultJson: '',
          errorCode: fail ? 5 : 0,
          errorMsg: fail ? 'ip addr failed' : '',
          errorDetails: '',
        };
      },
    });
    const lost = await runCni({ ...env, CNI_COMMAND: 'ADD' }, dhcp, peers(true, false));
    expect(JSON.parse(lost.out)).toMatchObject({ code: 5, msg: 'no DHCP offer on net1' });
    expect(calls.splice(0)).toEqual(['agent ADD', 'ipam ADD', 'agent DEL']);
    agentAdds = 0;
    const refused = await runCni({ ...env, CNI_COMMAND: 'ADD' }, dhcp, peers(false, true));
    expect(JSON.parse(refused.out)).toMatchObject({ code: 5, msg: 'ip addr failed' });
    expect(calls).toEqual(['agent ADD', 'ipam ADD', 'agent ADD', 'ipam DEL', 'agent DEL']);
  });

  test('DEL: host agent first, then IPAM; a failed detach keeps the address', async () => {
    const ok = recordingPeers();
    expect(await runCni({ ...env, CNI_COMMAND: 'DEL' }, JSON.stringify(conf), ok.peers)).toEqual({
      out: '',
      code: 0,
    });
    expect(ok.calls).toEqual(['agent DEL', 'ipam host-local DEL']);
    const failing = recordingPeers(() => ({ errorCode: 11, errorMsg: 'releasing VF did not finish' }));
    const r = await runCni({ ...env, CNI_COMMAND: 'DEL' }, JSON.stringify(conf), failing.peers);
    expect(JSON.parse(r.out)).toMatchObject({ code: 11 });
    expect(failing.calls).toEqual(['agent DEL']);
  });

  test('DEL of a configuration ADD would refuse still reaches the host agent, and no IPAM plugin', async () => {
    const { calls, peers } = recordingPeers();
    const bad = { ...conf, mtu: 'big', ipam: { type: 'whereabouts' } };
    expect(await runCni({ ...env, CNI_COMMAND: 'DEL' }, JSON.stringify(bad), peers)).toMatchObject({
      code: 0,
    });
    expect(calls).toEqual(['agent DEL']);
  });

  test('CHECK: the IPAM plugin, then the host agent', async () => {
    const { calls, peers } = recordingPeers();
    expect(await runCni({ ...env, CNI_COMMAND: 'CHECK' }, JSON.stringify(conf), peers)).toMatchObject({
      code: 0,
    });
    expect(calls).toEqual(['ipam host-local CHECK', 'agent CHECK']);
  });
});

describe('the CNI exec protocol (ipam-plugin.ts)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-ipam-exec-'));
    fs.mkdirSync(path.join(dir, 'a'));
    fs.mkdirSync(path.join(dir, 'b'));
    // A plugin that records its environment and stdin, says something on stderr and answers.
    fs.writeFileSync(
      path.join(dir, 'b', 'static'),
      `#!/bin/sh
env > "${dir}/env"
cat > "${dir}/stdin"
echo "static plugin here" >&2
if [ "$CNI_COMMAND" = ADD ]; then echo '{"cniVersion":"1.0.0","ips":[{"address":"2001:db8::5/64"}]}'; exit 0; fi
if [ "$CNI_COMMAND" = CHECK ]; then echo '{"cniVersion":"1.0.0","code":999,"msg":"no address for ctr-1","details":"d"}'; exit 1; fi
exit 0
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(dir, 'a', 'dhcp'), 'not executable', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'b', 'dhcp'), '#!/bin/sh\necho "daemon not running" >&2\nexit 1\n', {
      mode: 0o755,
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cniPath = () => `${dir}/none:${dir}/a:${dir}/b`;

  test('found in CNI_PATH (first executable), run with the same env, CNI_COMMAND set, config on stdin', async () => {
    const e = { ...env, CNI_PATH: cniPath(), CNI_COMMAND: 'DEL', OTHER: 'kept' };
    const stdin = JSON.stringify(conf);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const out = await execIpamPlugin('ADD', 'static', stdin, e);
      expect(JSON.parse(out)).toMatchObject({ ips: [{ address: '2001:db8::5/64' }] });
      expect(stderr).toHaveBeenCalledWith('static plugin here\n');
    } finally {
      stderr.mockRestore();
    }
    const seen = fs.readFileSync(path.join(dir, 'env'), 'utf8');
    for (const line of [
      'CNI_COMMAND=ADD',
      'CNI_CONTAINERID=ctr-1',
      'CNI_NETNS=/var/run/netns/p1',
      'CNI_IFNAME=net1',
      `CNI_PATH=${cniPath()}`,
      'OTHER=kept',
    ])
      expect(seen.split('\n')).toContain(line);
    expect(fs.readFileSync(path.join(dir, 'stdin'), 'utf8')).toBe(stdin);
    expect(findPlugin('dhcp', cniPath())).toBe(path.join(dir, 'b', 'dhcp'));
  });

  test("the plugin's error object becomes the CNI error; other failures are code 5 with what it said", async () => {
    const e = { ...env, CNI_PATH: cniPath() };
    const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(execIpamPlugin('CHECK', 'static', '{}', e)).rejects.toMatchObject({
        code: 999,
        message: 'IPAM plugin static CHECK: no address for ctr-1',
        details: 'd',
      });
      await expect(execIpamPlugin('ADD', 'dhcp', '{}', e)).rejects.toMatchObject({
        code: 5,
        message: expect.stringContaining('daemon not running'),
      });
    } finally {
      quiet.mockRestore();
    }
    await expect(execIpamPlugin('ADD', 'host-local', '{}', e)).rejects.toMatchObject({
      code: 4,
      message: expect.stringContaining('IPAM plugin host-local is not in CNI_PATH'),
    });
    expect(() => findPlugin('static', '')).toThrow(/CNI_PATH is empty/);
  });
});
