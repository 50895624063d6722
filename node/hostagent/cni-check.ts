/**
 * CNI CHECK: the container still has what ADD gave it: ADD's record, an
 * attached lease, and in its netns the interface with the record's MAC and
 * addresses.
 */
import { findLink, netnsExists } from '../../activities/netdev';
import { parseNetConf } from '../cni/config';
import { CniCode, CniError } from '../cni/errors';
import type { CniRequest__Output } from '../../proto/load-vf';
import { runningLease } from './leases';
import type { CniState } from './cni-state';

export async function cniCheck(state: CniState, req: CniRequest__Output): Promise<void> {
  parseNetConf(req.configJson);
  const record = await state.records.findByContainer(req.containerId, req.ifname);
  if (!record)
    throw new CniError(
      CniCode.UnknownContainer,
      `container ${req.containerId} has no VF attached as ${req.ifname}`,
    );
  const lease = await runningLease(state.opts.client, state.opts.node, record.pciAddress);
  if (!lease || lease.phase !== 'Attached') {
    throw new CniError(
      CniCode.IoFailure,
      `VF ${record.pciAddress} of container ${req.containerId} has no attached lease (${lease?.phase ?? 'none'})`,
    );
  }
  // A netns that is gone has no interface either; any other failure of `ip` is reported as it is.
  const link = netnsExists(req.netns) ? await findLink(req.ifname, req.netns) : undefined;
  if (!link) throw new CniError(CniCode.IoFailure, `netns ${req.netns} has no interface ${req.ifname}`);
  if (link.address !== record.mac)
    throw new CniError(CniCode.IoFailure, `${req.ifname} has MAC ${link.address}, not ${record.mac}`);
  for (const a of record.addresses) {
    if (!link.addresses.includes(a.address))
      throw new CniError(CniCode.IoFailure, `${req.ifname} lacks address ${a.address}`);
  }
}
