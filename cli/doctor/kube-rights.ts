/**
 * doctor: the kubeconfig may do what the controllers and the control worker
 * do, one SelfSubjectAccessReview per group, resource, verb (and namespace for
 * the namespaced grants), as the chart's RBAC grants them (required-rights.ts).
 * Run it with the kubeconfig of the identity the controllers run as.
 */
import * as k8s from '@kubernetes/client-node';
import { Problem, type Check } from './check';
import { requiredRights, rightName, type Right } from './required-rights';

export const kubeRightsCheck: Check = {
  name: 'kube-rights',
  needs: ['kubernetes'],
  timeoutFix: 'the API server answers but slowly: check its health (kubectl get --raw /readyz)',
  async run(ctx, signal) {
    const kc = ctx.kc!;
    const watchNs = ctx.watchNamespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    const leaseNs = ctx.leaseNamespace ?? watchNs;
    const api = kc.makeApiClient(k8s.AuthorizationV1Api);
    const rights = requiredRights();
    const namespaceOf = (r: Right) =>
      r.scope === 'watch-namespace' ? watchNs : r.scope === 'lease-namespace' ? leaseNs : undefined;
    const denied: Array<{ right: Right; namespace?: string }> = [];
    for (let i = 0; i < rights.length; i += 40) {
      signal.throwIfAborted();
      const reviews = await Promise.all(
        rights.slice(i, i + 40).map(async (right) => {
          const namespace = namespaceOf(right);
          const r = await api.createSelfSubjectAccessReview({
            body: {
              spec: {
                resourceAttributes: {
                  group: right.group,
                  resource: right.resource,
                  ...(right.subresource ? { subresource: right.subresource } : {}),
                  verb: right.verb,
                  ...(namespace ? { namespace } : {}),
                },
              },
            },
          });
          return { right, namespace, allowed: r.status?.allowed === true };
        }),
      );
      denied.push(...reviews.filter((r) => !r.allowed));
    }
    const user = kc.getCurrentUser()?.name ?? '(no user)';
    if (denied.length > 0) {
      const named = denied.map((d) => `${rightName(d.right)}${d.namespace ? ` -n ${d.namespace}` : ''}`);
      throw new Problem(
        `kubeconfig user ${user} may not ${named.slice(0, 8).join(', ')}` +
          (named.length > 8 ? ` and ${named.length - 8} more` : '') +
          ` (${denied.length} of ${rights.length} rights the controllers need)`,
        'bind this identity to the roles the chart makes (helm install with rbac.create=true: ClusterRole xpuflow, ' +
          `Role xpuflow-secrets in ${watchNs}, Role xpuflow-leader-election in ${leaseNs}), or run doctor with the ` +
          "controllers' kubeconfig; kubectl auth can-i --list shows what it may do",
      );
    }
    return `user ${user} has all ${rights.length} rights the controllers and control worker use (Secrets in ${watchNs}, Lease in ${leaseNs})`;
  },
};
