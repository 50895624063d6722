/** The shape of a floor flow (floor-flow.ts): its steps and its wait, as the provisioning flow's. */
export interface FloorFlowInput {
  /** No-op activities before the wait (the provision flow: probe, fetch, install, activate). */
  before: number;
  /** No-op activities after it (configure the VFs). */
  after: number;
  /** How long the wait lasts from its first look (the flash and reboot). */
  waitSeconds: number;
  /** Not before this long into the wait, then every `lookSeconds` (doubling to `maxLookSeconds`). */
  quietSeconds: number;
  lookSeconds: number;
  maxLookSeconds: number;
}
