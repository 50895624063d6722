/** doctor: the namespace exists and this client (its API key or certificate) may use it. */
import { status as grpcStatus } from '@grpc/grpc-js';
import { Problem, type Check } from './check';

export const temporalNamespaceCheck: Check = {
  name: 'namespace',
  needs: ['temporal'],
  timeoutFix: 'the Temporal frontend answers but slowly: check its health (temporal operator cluster health)',
  async run(ctx) {
    const client = ctx.client!;
    const namespace = client.options.namespace;
    try {
      const r = await client.connection.withDeadline(Date.now() + ctx.timeoutMs, () =>
        client.workflowService.describeNamespace({ namespace }),
      );
      ctx.namespaceReady = true;
      const retention = r.config?.workflowExecutionRetentionTtl?.seconds;
      return `namespace ${namespace} exists${retention ? ` (retention ${Number(retention) / 86400} d)` : ''}`;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === grpcStatus.NOT_FOUND)
        throw new Problem(
          `namespace ${namespace} does not exist on this Temporal cluster`,
          `set TEMPORAL_NAMESPACE to an existing one, or create it with xpuflow's search attributes: xpuflow setup --namespace ${namespace} --retention 7d`,
        );
      if (code === grpcStatus.UNAUTHENTICATED || code === grpcStatus.PERMISSION_DENIED)
        throw new Problem(
          `Temporal refused this client for namespace ${namespace}: ${(err as Error).message}`,
          ctx.apiKeySet
            ? 'the API key (TEMPORAL_API_KEY or the profile api_key) is wrong, expired or not granted this namespace: issue a new one for it'
            : 'the cluster wants credentials: set TEMPORAL_API_KEY, or a client certificate it trusts (TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH)',
        );
      throw err;
    }
  },
};
