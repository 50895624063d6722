/**
 * The SimpleUpdate target a BlueField BMC installs a BFB through (the rshim, firmware inventory member
 * DPU_OS), found in the firmware inventory rather than written down, and given in the form NVIDIA's
 * documentation and DPF send it: the @odata.id without its leading slash
 * ("redfish/v1/UpdateService/FirmwareInventory/DPU_OS": NVIDIA/doca-platform
 * internal/provisioning/controllers/dpu/state/redfish/client/client.go
 * @49194c120b311de2a60dc05961b8bc1390df4a04, InstallBFB).
 */
import { RedfishError } from './errors';
import { BLUEFIELD_OS_INVENTORY_ID } from './find-update-task';
import type { RedfishSession } from './redfish-session';

export async function bluefieldOsTarget(rf: RedfishSession): Promise<string> {
  const items = await rf.firmwareInventory();
  const item = items.find((i) => i.Id === BLUEFIELD_OS_INVENTORY_ID);
  if (!item)
    throw new RedfishError(
      'NotFound',
      `BMC ${rf.bmc} lists no ${BLUEFIELD_OS_INVENTORY_ID} in its firmware inventory (it has ${items.map((i) => i.Id).join(', ') || 'none'}): ` +
        `it is not a BlueField BMC, or its firmware predates BFB install through Redfish; update the BMC firmware or use the gnoi path`,
      { bmc: rf.bmc, resource: 'FirmwareInventory' },
    );
  return item['@odata.id'].replace(/^\//, '');
}
