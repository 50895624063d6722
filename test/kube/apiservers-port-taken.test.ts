/**
 * etcd and kube-apiserver bind ports picked free earlier; when another process
 * (another jest worker's server, a client's ephemeral port) has taken one in
 * between, they are started again on new ports, and never talk to the process
 * that took it.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import * as freePortModule from '../../sim/free-port';
import { KubeApiservers } from '../../sim/kube';

jest.setTimeout(180_000);

/** A listener on a port picked free: what another process holding it looks like. */
async function takePort(): Promise<net.Server> {
  const port = await freePortModule.freePort();
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return srv;
}
const portOf = (srv: net.Server) => (srv.address() as net.AddressInfo).port;

/** freePort answers `taken` on its nth call from now, as a pick another process then binds would. */
function handOutOnCall(n: number, taken: number): jest.SpyInstance {
  const real = freePortModule.freePort;
  let calls = 0;
  return jest.spyOn(freePortModule, 'freePort').mockImplementation(() => {
    calls += 1;
    return calls === n ? Promise.resolve(taken) : real();
  });
}

test.each([
  // [what, which freePort call hands out the taken port, whose log says so, freePort calls in all]:
  // etcd's client and peer ports, then the apiserver's; a retry picks its own again.
  ['etcd client', 1, 'etcd', 5],
  ['kube-apiserver', 3, 'kube-apiserver-host', 4],
])('a %s port taken before the bind is picked again', async (_what, call, logName, calls) => {
  const other = await takePort();
  const spy = handOutOnCall(call, portOf(other));
  const apis = new KubeApiservers();
  try {
    const [host] = await apis.start(['host']);
    expect(spy).toHaveBeenCalledTimes(calls);
    expect(host.url).not.toContain(`:${portOf(other)}`);
    const log = fs.readFileSync(path.join(apis.dir, `${logName}.log`), 'utf8');
    expect(log).toContain(`127.0.0.1:${portOf(other)}`);
    expect(log).toContain('address already in use');
    // The cluster answers, through the apiserver and etcd of the second start.
    const core = host.kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'port-taken' } } });
    expect((await core.readNamespace({ name: 'port-taken' })).metadata?.name).toBe('port-taken');
  } finally {
    spy.mockRestore();
    other.close();
    await apis.stop();
  }
});
