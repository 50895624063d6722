/** `vmBindVfio` / `vmRebindDriver`: the VF to vfio-pci for the VM, and back to its own driver on release. */
import { bindDriver, readDriver } from '../sysfs';

export function driverActivities(sysfsRoot: string) {
  return {
    async vmBindVfio(req: { pciAddress: string }): Promise<{ previous?: string }> {
      const { previous } = await bindDriver(sysfsRoot, req.pciAddress, 'vfio-pci');
      return { previous };
    },

    async vmRebindDriver(req: { pciAddress: string; driver: string }): Promise<void> {
      if ((await readDriver(sysfsRoot, req.pciAddress)) === req.driver) return;
      await bindDriver(sysfsRoot, req.pciAddress, req.driver);
    },
  };
}
