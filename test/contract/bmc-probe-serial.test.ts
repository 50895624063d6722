/**
 * The discovery probe (activities/redfish/discovery/probe-bmc.ts) against the
 * BlueField BMC simulator: the serial it reports is the card's (Chassis
 * SerialNumber, reached from the BlueField ComputerSystem's Links, trimmed as
 * DPF trims it), with nothing of the host; a BMC whose serial is empty is
 * unusable, named with the values it reported.
 */
import { probeBmc } from '../../activities/redfish/discovery/probe-bmc';
import { startBmcSim, type BmcSim } from '../../sim/bmc';

jest.setTimeout(30_000);
const sims: BmcSim[] = [];
afterAll(() => Promise.all(sims.map((s) => s.stop())));

async function probe(serial: string) {
  const sim = await startBmcSim({ serial, username: 'root', password: 'bmc-secret' });
  sims.push(sim);
  const outcome = await probeBmc({
    address: sim.host,
    port: sim.port,
    username: 'root',
    password: 'bmc-secret',
    timeoutMs: 5_000,
  });
  return { sim, outcome };
}

test('a BlueField BMC gives its card serial, trimmed, and its firmware, nothing of a host', async () => {
  const { sim, outcome } = await probe('  MT2242X00077 ');
  expect(outcome.kind).toBe('found');
  if (outcome.kind !== 'found') return;
  expect(outcome.bmc).toMatchObject({
    address: sim.host,
    port: sim.port,
    serialNumber: 'MT2242X00077',
    certSha256: sim.certSha256,
  });
  expect(Object.keys(outcome.bmc).sort()).toEqual(
    ['address', 'certSha256', 'firmwareVersions', 'manufacturer', 'model', 'port', 'serialNumber'].sort(),
  );
});

test('a BlueField BMC with an empty serial is unusable, the values it reported named', async () => {
  const { sim, outcome } = await probe('   ');
  expect(outcome).toEqual({
    kind: 'unusable',
    why:
      `${sim.host}:${sim.port}: BlueField BMC with an empty serial number ` +
      `(Chassis Card1 SerialNumber "   ", ComputerSystem Bluefield SerialNumber "   "): ` +
      "no DPUDevice is made for it; check the BMC firmware, whose Chassis should report the card's serial",
  });
});
