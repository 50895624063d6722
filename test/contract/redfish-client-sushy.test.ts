/**
 * The Redfish client against OpenStack's sushy-tools emulator (`--fake`), the Redfish service Ironic
 * and Metal3 test against: navigation from the service root, basic authentication (sushy has no
 * SessionService), ComputerSystem.Reset (204) with its allowable values, certificate pinning, and
 * SimpleUpdate's error path (sushy answers 500 "Failed fetching BIOS information").
 */
import { openRedfish, type RedfishSession } from '../../activities/redfish/client';
import { requirePrerequisites } from '../support/prerequisites';
import { startSushy, type Sushy } from './sushy-emulator';
import { redfishFailure } from '../support/redfish-failure';

const { describe } = requirePrerequisites('redfish client against sushy-tools', ['redfish-tools']);

describe('Redfish client against sushy-tools', () => {
  let sushy: Sushy;
  let rf: RedfishSession;

  beforeAll(async () => {
    sushy = await startSushy();
    rf = await openRedfish(
      { address: sushy.address, caPem: sushy.caPem },
      { username: sushy.username, password: sushy.password },
    );
  });
  afterAll(async () => {
    await rf?.close();
    await sushy?.stop();
  });

  test('no SessionService: auto authentication falls back to basic, and navigation starts at /redfish/v1', async () => {
    expect(rf.auth).toBe('basic');
    const root = await rf.serviceRoot();
    expect(root.Links?.Sessions).toBeUndefined();
    const systems = await rf.systems();
    expect(systems).toHaveLength(1);
    // Reached through Systems → Members, never a guessed path: sushy names its system by a UUID.
    expect(systems[0]['@odata.id']).toMatch(/^\/redfish\/v1\/Systems\/[0-9a-f-]{36}$/);
    const managers = await rf.managers();
    expect(managers).toHaveLength(1);
    const again = await rf.get<{ Id: string }>(systems[0]['@odata.id']);
    expect(again.Id).toBe(systems[0].Id);
  });

  test('ComputerSystem.Reset: an allowed ResetType is accepted (204); one the system does not list is refused before any POST', async () => {
    const [system] = await rf.systems();
    await expect(rf.reset(system['@odata.id'], 'ForceRestart')).resolves.toBeUndefined();
    const err = await redfishFailure(rf.reset(system['@odata.id'], 'Explode'));
    expect(err.kind).toBe('Protocol');
    expect(err.message).toContain(`https://${sushy.address}`);
    expect(err.message).toMatch(/does not allow ResetType Explode: use one of On, ForceOff, .*ForceRestart/);
  });

  test("SimpleUpdate's error answer becomes a named RedfishError (UpdateRejected, the BMC's message, what to do)", async () => {
    const [system] = await rf.systems();
    const err = await redfishFailure(
      rf.simpleUpdate({ imageUri: 'http://127.0.0.1:9/bf.bfb', targets: [system['@odata.id']] }),
    );
    expect(err.kind).toBe('UpdateRejected');
    expect(err.status).toBe(500);
    expect(err.message).toContain(
      `BMC https://${sushy.address} refused the SimpleUpdate of http://127.0.0.1:9/bf.bfb`,
    );
    expect(err.message).toContain('Failed fetching BIOS information');
    expect(err.resource).toBe('/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate');
  });

  test('findUpdateTask on a service whose root links no TaskService finds nothing in flight', async () => {
    await expect(rf.findUpdateTask('http://127.0.0.1:9/bf.bfb')).resolves.toBeUndefined();
  });

  test('wrong basic credentials fail at open as Unauthorized, naming the BMC and the Secret to check', async () => {
    const err = await redfishFailure(
      openRedfish(
        { address: sushy.address, caPem: sushy.caPem },
        { username: sushy.username, password: 'wrong' },
      ),
    );
    expect(err.kind).toBe('Unauthorized');
    expect(err.status).toBe(401);
    expect(err.message).toContain(`BMC https://${sushy.address} refused the credentials (401)`);
    expect(err.message).toContain('credentials Secret');
  });

  test("auth 'session' on a service without a SessionService is refused with what to use instead", async () => {
    const err = await redfishFailure(
      openRedfish(
        { address: sushy.address, caPem: sushy.caPem },
        { username: sushy.username, password: sushy.password },
        { auth: 'session' },
      ),
    );
    expect(err.kind).toBe('Protocol');
    expect(err.message).toMatch(/offers no SessionService.*auth 'basic'/);
  });

  test('a pinned leaf SHA-256 that matches connects; one that does not is a CertificateMismatch', async () => {
    const cred = { username: sushy.username, password: sushy.password };
    const pinned = await openRedfish(
      { address: sushy.address, certSha256: sushy.certSha256.toUpperCase() },
      cred,
    );
    expect(await pinned.systems()).toHaveLength(1);
    const err = await redfishFailure(
      openRedfish({ address: sushy.address, certSha256: '00'.repeat(32) }, cred),
    );
    expect(err.kind).toBe('CertificateMismatch');
    expect(err.message).toContain(`its SHA-256 is ${sushy.certSha256}`);
    expect(err.message).toContain('nothing was sent');
  });
});
