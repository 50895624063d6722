/**
 * doctor: the API server serves each of xpuflow's resources (the CRDs of
 * charts/xpuflow/crds) at the version xpuflow speaks. Read through discovery
 * (/apis/<group>, /apis/<group>/<version>), which every authenticated user
 * may read: no right on CustomResourceDefinitions is needed.
 */
import * as k8s from '@kubernetes/client-node';
import { GROUP, Plural, VERSION } from '../../model/resources/common';
import { Problem, type Check } from './check';

export const crdsCheck: Check = {
  name: 'crds',
  needs: ['kubernetes'],
  timeoutFix: 'the API server answers but slowly: check its health (kubectl get --raw /readyz)',
  async run(ctx) {
    const kc = ctx.kc!;
    const install = `install them: kubectl apply --server-side -f charts/xpuflow/crds/ (helm upgrade does not update a chart's crds/)`;
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    const group = groups.groups.find((g) => g.name === GROUP);
    if (!group)
      throw new Problem(
        `the API server serves no ${GROUP} resources: xpuflow's CRDs are not installed`,
        install,
      );
    const versions = group.versions.map((v) => v.version);
    if (!versions.includes(VERSION))
      throw new Problem(
        `${GROUP} is served at ${versions.join(', ')}, not ${VERSION}, the version this xpuflow speaks`,
        `${install}; or run the xpuflow release that matches them`,
      );
    const served = await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .getAPIResources({ group: GROUP, version: VERSION });
    const names = new Set(served.resources.map((r) => r.name));
    const missing = Object.values(Plural).filter((p) => !names.has(p));
    if (missing.length > 0)
      throw new Problem(
        `${GROUP}/${VERSION} lacks ${missing.map((m) => `${m}.${GROUP}`).join(', ')}`,
        install,
      );
    return `${Object.values(Plural).length} resources served at ${GROUP}/${VERSION} (versions served: ${versions.join(', ')})`;
  },
};
