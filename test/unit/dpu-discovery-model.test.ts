/** The discovery's pure rules: which addresses and ports a DPUDiscovery scans, names, the interval. */
import {
  dpuDeviceName,
  dpuNodeName,
  durationMs,
  scanAddresses,
  scanPorts,
  scanWorkers,
} from '../../model/dpu-discovery-api';

test('a start/end range and a CIDR expand to their addresses; ports default to 443', () => {
  expect(scanAddresses({ ipRange: { startIP: '127.0.0.2', endIP: '127.0.0.5' } })).toEqual([
    '127.0.0.2',
    '127.0.0.3',
    '127.0.0.4',
    '127.0.0.5',
  ]);
  expect(scanAddresses({ ipRange: { startIP: '10.0.0.255', endIP: '10.0.1.0' } })).toEqual([
    '10.0.0.255',
    '10.0.1.0',
  ]);
  const cidr = scanAddresses({ cidr: '192.168.7.9/30' });
  expect(cidr).toEqual(['192.168.7.8', '192.168.7.9', '192.168.7.10', '192.168.7.11']);
  expect(scanAddresses({ cidr: '10.1.0.0/20' })).toHaveLength(4096);
  expect(scanPorts({ ipRange: { startIP: '1.1.1.1', endIP: '1.1.1.1' } })).toEqual([443]);
  expect(scanPorts({ ipRange: { startIP: '1.1.1.1', endIP: '1.1.1.1', port: 8443 } })).toEqual([8443]);
  expect(scanPorts({ cidr: '1.1.1.0/24', ports: [443, 8443, 443] })).toEqual([443, 8443]);
});

test('a range over 4096 addresses, reversed, or not IPv4 is refused naming the field', () => {
  expect(() => scanAddresses({ ipRange: { startIP: '10.0.0.0', endIP: '10.0.16.0' } })).toThrow(
    /spec\.ipRangeSpec\.ipRange\.endIP: the range holds 4097 addresses, over the 4096/,
  );
  expect(() => scanAddresses({ cidr: '10.0.0.0/19' })).toThrow(
    /spec\.ipRangeSpec\.cidr: the range holds 8192/,
  );
  expect(() => scanAddresses({ ipRange: { startIP: '10.0.0.9', endIP: '10.0.0.1' } })).toThrow(
    /endIP 10\.0\.0\.1 is before startIP 10\.0\.0\.9/,
  );
  expect(() => scanAddresses({ ipRange: { startIP: 'bmc-1', endIP: '10.0.0.1' } })).toThrow(
    /startIP "bmc-1" is not an IPv4 address/,
  );
  expect(() => scanAddresses({ cidr: '10.0.0.0/33' })).toThrow(/cidr "10\.0\.0\.0\/33" is not an IPv4 CIDR/);
});

test("workers default to DPF's one per 255 addresses; names and durations", () => {
  expect(scanWorkers({ ipRange: { startIP: '10.0.0.1', endIP: '10.0.0.254' } })).toBe(1);
  expect(scanWorkers({ cidr: '10.0.0.0/22' })).toBe(5);
  expect(scanWorkers({ cidr: '10.0.0.0/22' }, 1000)).toBe(256);
  expect(dpuDeviceName('MT2242X01234')).toBe('mt2242x01234');
  expect(dpuDeviceName('MT_22 42')).toBe('mt-22-42');
  expect(dpuNodeName('Host-1.Rack_2')).toBe('host-1.rack-2');
  expect(durationMs('1h30m')).toBe(5_400_000);
  expect(durationMs('500ms')).toBe(500);
  expect(durationMs('2s')).toBe(2000);
  expect(durationMs('soon')).toBeUndefined();
});
