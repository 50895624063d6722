/**
 * The static parts of the simulated BlueField BMC's Redfish tree: service root,
 * OData service document and $metadata, and the ids NVIDIA's BMC uses
 * (Systems/Bluefield, Managers/Bluefield_BMC, Chassis/Card1, FirmwareInventory
 * BMC_Firmware, DPU_OS, DPU_NIC, DPU_UEFI, DPU_BSP) as DPF's Redfish client reads
 * them: NVIDIA/doca-platform
 * internal/provisioning/controllers/dpu/state/redfish/client/client.go
 * @ 49194c120b311de2a60dc05961b8bc1390df4a04 (APICheckDPUOS, APIGetSystem, getBMCManagerID, GetChassis …).
 */
export const ROOT = '/redfish/v1';
export const SYSTEM = `${ROOT}/Systems/Bluefield`;
export const MANAGER = `${ROOT}/Managers/Bluefield_BMC`;
export const CHASSIS = `${ROOT}/Chassis/Card1`;
export const FIRMWARE = `${ROOT}/UpdateService/FirmwareInventory`;
/** The rshim target of a BFB install, as NVIDIA documents and DPF sends it (no leading slash). */
export const DPU_OS_TARGET = 'redfish/v1/UpdateService/FirmwareInventory/DPU_OS';

/** Collections the service root links to (also listed in the OData service document). */
export const TOP_LEVEL = {
  Systems: `${ROOT}/Systems`,
  Chassis: `${ROOT}/Chassis`,
  Managers: `${ROOT}/Managers`,
  UpdateService: `${ROOT}/UpdateService`,
  TaskService: `${ROOT}/TaskService`,
  SessionService: `${ROOT}/SessionService`,
  AccountService: `${ROOT}/AccountService`,
} as const;

/** /redfish/v1/odata: the OData service document. */
export function odataServiceDocument(): Record<string, unknown> {
  return {
    '@odata.context': `${ROOT}/$metadata`,
    value: [
      { name: 'Service', kind: 'Singleton', url: `${ROOT}/` },
      ...Object.entries(TOP_LEVEL).map(([name, url]) => ({ name, kind: 'Singleton', url })),
      { name: 'Sessions', kind: 'Singleton', url: `${ROOT}/SessionService/Sessions` },
    ],
  };
}

const SCHEMAS: Array<[string, string[]]> = [
  ['ServiceRoot', ['ServiceRoot', 'ServiceRoot.v1_15_0']],
  ['ComputerSystemCollection', ['ComputerSystemCollection']],
  ['ComputerSystem', ['ComputerSystem', 'ComputerSystem.v1_20_0']],
  ['ChassisCollection', ['ChassisCollection']],
  ['Chassis', ['Chassis', 'Chassis.v1_23_0']],
  ['ManagerCollection', ['ManagerCollection']],
  ['Manager', ['Manager', 'Manager.v1_17_0']],
  ['UpdateService', ['UpdateService', 'UpdateService.v1_11_0']],
  ['SoftwareInventoryCollection', ['SoftwareInventoryCollection']],
  ['SoftwareInventory', ['SoftwareInventory', 'SoftwareInventory.v1_9_0']],
  ['TaskService', ['TaskService', 'TaskService.v1_2_0']],
  ['TaskCollection', ['TaskCollection']],
  ['Task', ['Task', 'Task.v1_4_3']],
  ['SessionService', ['SessionService', 'SessionService.v1_1_8']],
  ['SessionCollection', ['SessionCollection']],
  ['Session', ['Session', 'Session.v1_6_0']],
  ['AccountService', ['AccountService', 'AccountService.v1_12_0']],
  ['ManagerAccountCollection', ['ManagerAccountCollection']],
  ['ManagerAccount', ['ManagerAccount', 'ManagerAccount.v1_10_0']],
  ['RoleCollection', ['RoleCollection']],
  ['Role', ['Role', 'Role.v1_3_1']],
];

/** /redfish/v1/$metadata: references to DMTF's schemas and the Service entity container. */
export function metadataXml(): string {
  const refs = SCHEMAS.map(
    ([file, namespaces]) =>
      `  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/${file}_v1.xml">\n` +
      namespaces.map((n) => `    <edmx:Include Namespace="${n}"/>\n`).join('') +
      '  </edmx:Reference>\n',
  ).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">\n' +
    refs +
    '  <edmx:DataServices>\n' +
    '    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">\n' +
    '      <EntityContainer Name="Service" Extends="ServiceRoot.v1_15_0.ServiceContainer"/>\n' +
    '    </Schema>\n' +
    '  </edmx:DataServices>\n' +
    '</edmx:Edmx>\n'
  );
}

export function collection(
  odataId: string,
  type: string,
  name: string,
  members: string[],
): Record<string, unknown> {
  return {
    '@odata.type': `#${type}.${type}`,
    '@odata.id': odataId,
    Name: name,
    'Members@odata.count': members.length,
    Members: members.map((m) => ({ '@odata.id': m })),
  };
}
