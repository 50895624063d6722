/**
 * A namespace that does not exist, named with what to run, before a worker
 * polls or a command starts a workflow. Without this check a worker's
 * connection fails with the server's status dump, and a command with
 * "Namespace not found" and nothing to do about it.
 */
import type { Client } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { status as grpcStatus } from '@grpc/grpc-js';
import { connectClient, type TemporalSettings } from './temporal';

/** The namespace is not on the cluster: the message says how an administrator creates it. */
export class NamespaceMissing extends Error {
  override name = 'NamespaceMissing';
  constructor(
    readonly namespace: string,
    options?: ErrorOptions,
  ) {
    super(
      `namespace ${namespace} does not exist on this Temporal cluster; an administrator creates it, with ` +
        `xpuflow's search attributes, with:\n` +
        `  xpuflow setup --namespace ${namespace} --retention 7d\n` +
        `(or temporal operator namespace create --namespace ${namespace} --retention 7d), ` +
        'or set TEMPORAL_NAMESPACE to an existing one',
      options,
    );
  }
}

/** gRPC NOT_FOUND from a call about the namespace, or the client's own NamespaceNotFoundError. */
export function isNamespaceNotFound(err: unknown): boolean {
  return err instanceof NamespaceNotFoundError || (err as { code?: number }).code === grpcStatus.NOT_FOUND;
}

/**
 * The error a command failed with, turned into NamespaceMissing when the
 * server said the namespace was not found (NamespaceNotFoundError, thrown by
 * @temporalio/client for a NamespaceNotFoundFailure detail); anything else
 * is returned as it is.
 */
export function explainNamespaceNotFound(err: unknown): unknown {
  if (err instanceof NamespaceNotFoundError) return new NamespaceMissing(err.namespace, { cause: err });
  return err;
}

/** Throws NamespaceMissing unless the client's namespace exists. */
export async function requireNamespace(client: Client): Promise<void> {
  const namespace = client.options.namespace;
  try {
    await client.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (isNamespaceNotFound(err)) throw new NamespaceMissing(namespace, { cause: err });
    throw err;
  }
}

/** For a worker process before it connects: its namespace exists (a client of its own, closed after). */
export async function requireNamespaceAt(settings: TemporalSettings): Promise<void> {
  const client = await connectClient(settings);
  try {
    await requireNamespace(client);
  } finally {
    await client.connection.close();
  }
}
