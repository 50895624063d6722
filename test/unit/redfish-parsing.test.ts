/** The Redfish client's small parsers: BMC addresses and Retry-After. */
import { isRedfishError, openRedfish, retryAfterMs } from '../../activities/redfish/client';
import { bmcTarget } from '../../activities/redfish/client/bmc-address';

describe('BMC address', () => {
  test.each([
    ['10.0.0.5', { host: '10.0.0.5', port: 443, origin: 'https://10.0.0.5:443' }],
    ['10.0.0.5:8443', { host: '10.0.0.5', port: 8443, origin: 'https://10.0.0.5:8443' }],
    ['https://bmc-7.lab:9443', { host: 'bmc-7.lab', port: 9443, origin: 'https://bmc-7.lab:9443' }],
    ['https://bmc-7.lab/', { host: 'bmc-7.lab', port: 443, origin: 'https://bmc-7.lab:443' }],
    ['[fd00::5]:8443', { host: 'fd00::5', port: 8443, origin: 'https://[fd00::5]:8443' }],
  ])('%s', (address, want) => {
    expect(bmcTarget(address)).toEqual(want);
  });

  test.each([
    ['http://10.0.0.5', /uses http: \(Redfish is reached over https only\)/],
    ['https://10.0.0.5/redfish/v1', /has a path/],
    ['not a host:port', /is not host:port or an https URL/],
  ])('%s is refused as a Protocol RedfishError naming it', async (address, why) => {
    const err = await openRedfish({ address }, { username: 'u', password: 'p' }).catch((e: unknown) => e);
    expect(isRedfishError(err, 'Protocol')).toBe(true);
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toContain(JSON.stringify(address));
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  test.each([
    [undefined, undefined],
    ['', undefined],
    ['0', 0],
    ['120', 120_000],
    [['5', '9'], 5000],
    ['Tue, 01 Dec 2026 12:00:30 GMT', 30_000],
    ['Tue, 01 Dec 2026 11:00:00 GMT', 0],
    ['soon', undefined],
  ])('%j → %j ms', (header, want) => {
    expect(retryAfterMs(header as string | string[] | undefined, now)).toBe(want);
  });
});
