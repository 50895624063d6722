/**
 * What a lease answers: its status (query), CNI ADD (the attach update, with
 * a validator that refuses a second pod), and release (a signal that cannot
 * be refused, and an update that can, both idempotent).
 */
import { condition, setHandler } from '@temporalio/workflow';
import { attachUpdate, leaseStatusQuery, releaseSignal, releaseUpdate } from '../../model/vf-lease-api';
import { checkPod, podKey, type AttachRecord, type AttachRequest, type ReleaseRequest } from '../../model/vf';
import type { Lease } from './lease';
import { attach } from './steps';

export function listen(lease: Lease): void {
  const { input, status } = lease;
  setHandler(leaseStatusQuery, () => status);

  setHandler(attachUpdate, (req: AttachRequest): Promise<AttachRecord> => attach(lease, req), {
    validator: (req: AttachRequest) => {
      const bad = checkPod(req?.pod);
      if (bad) throw new Error(bad);
      if (lease.release)
        throw new Error(
          `VF ${input.pciAddress} is being released (${lease.release.reason}); ask for another VF`,
        );
      if (status.pod && podKey(status.pod) !== podKey(req.pod)) {
        throw new Error(
          `VF ${input.pciAddress} on node ${input.node} is leased to pod ${podKey(status.pod)}, not ${podKey(req.pod)}: ` +
            `each VF serves one pod; request another VF from ${input.resourceName}`,
        );
      }
      if (status.containerId && status.containerId !== req.containerId && status.phase === 'Attached') {
        throw new Error(
          `VF ${input.pciAddress} is attached to container ${status.containerId} of the same pod; DEL it first`,
        );
      }
    },
  });

  const requestRelease = (req: ReleaseRequest) => {
    lease.release ??= { reason: req?.reason || 'released' };
  };
  const releaseValidator = (req: ReleaseRequest) => {
    if (req?.pod && status.pod && podKey(req.pod) !== podKey(status.pod)) {
      throw new Error(
        `VF ${input.pciAddress} is leased to pod ${podKey(status.pod)}, not ${podKey(req.pod)}: not released`,
      );
    }
  };
  setHandler(releaseSignal, (req) => {
    try {
      releaseValidator(req);
      requestRelease(req);
    } catch {
      // a signal cannot be refused to its sender: a mismatched one is ignored
    }
  });
  setHandler(
    releaseUpdate,
    async (req) => {
      requestRelease(req);
      await condition(() => status.phase === 'Released');
      return status;
    },
    { validator: releaseValidator },
  );
}
