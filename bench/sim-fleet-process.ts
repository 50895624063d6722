/**
 * A simulated fleet (sim/fleet) in a process of its own (child-process.ts), so
 * its DMS simulators, sysfs "kernels" and BFB server do not share an event
 * loop with the benchmark. Options: SimFleetOptions without its functions.
 * Ready line: the hosts and the DPUs' specs.
 */
import { startSimFleet, type SimFleetOptions } from '../sim/fleet';
import { serveUntilStopped } from './child-process';

serveUntilStopped(async (opts: SimFleetOptions) => {
  const fleet = await startSimFleet(opts);
  return {
    ready: {
      hosts: fleet.hosts.map((h) => ({ node: h.node, sysfsRoot: h.sysfsRoot })),
      dpus: fleet.dpus.map((d) => ({ spec: d.spec })),
    },
    stop: () => fleet.stop(),
  };
});
