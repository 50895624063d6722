/**
 * ComputerSystem.Reset (DMTF ComputerSystem.v1): the action target and the allowable ResetType values
 * are read from the system itself. A BlueField BMC resets the DPU's Arm this way and answers 200, 202
 * or 204: NVIDIA/doca-platform internal/provisioning/controllers/dpu/state/redfish/client/client.go
 * @49194c120b311de2a60dc05961b8bc1390df4a04 (resetDPUArm: ForceRestart / GracefulRestart).
 */
import { answerError } from './answer-errors';
import type { BmcConnection } from './bmc-connection';
import { RedfishError } from './errors';
import type { ComputerSystem } from './types';

export async function resetSystem(
  conn: BmcConnection,
  systemOdataId: string,
  resetType: string,
): Promise<void> {
  const system = await conn.getJson<ComputerSystem>(systemOdataId, `reading ${systemOdataId} to reset it`);
  const action = system.Actions?.['#ComputerSystem.Reset'];
  if (!action?.target)
    throw new RedfishError(
      'Protocol',
      `BMC ${conn.origin}: ${systemOdataId} offers no #ComputerSystem.Reset action: reset the DPU another way (host power cycle)`,
      { bmc: conn.origin, resource: systemOdataId },
    );
  const allowed = action['ResetType@Redfish.AllowableValues'];
  if (allowed && !allowed.includes(resetType))
    throw new RedfishError(
      'Protocol',
      `BMC ${conn.origin}: ${systemOdataId} does not allow ResetType ${resetType}: use one of ${allowed.join(', ')}`,
      { bmc: conn.origin, resource: action.target },
    );
  const res = await conn.send({ method: 'POST', path: action.target, body: { ResetType: resetType } });
  if (res.status !== 200 && res.status !== 202 && res.status !== 204)
    throw answerError(conn.origin, 'POST', action.target, res, `${resetType} reset of ${systemOdataId}`);
}
