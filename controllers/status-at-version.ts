/**
 * A status merge patch that applies only to the object as it was read: the
 * patch carries metadata.resourceVersion, which the API server takes as a
 * precondition and answers 409 Conflict when the object changed since
 * (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go
 * Update: "if the object's resourceVersion is set, it must match"; see
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#patch-and-apply).
 * The caller reads again and recomputes.
 */
import * as k8s from '@kubernetes/client-node';
import { GROUP, Plural, VERSION, type Kind, type ObjectMeta } from '../model/resources/common';
import type { Kube } from '../platform/kube/client';

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export async function patchStatusAt(kube: Kube, kind: Kind, meta: ObjectMeta, status: object): Promise<void> {
  if (!meta.resourceVersion || !meta.namespace)
    throw new Error(
      `${kind} ${meta.name}: a conditional status write needs the object's namespace and resourceVersion`,
    );
  await kube.custom.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      plural: Plural[kind],
      namespace: meta.namespace,
      name: meta.name,
      body: { metadata: { resourceVersion: meta.resourceVersion }, status },
    },
    MERGE,
  );
}
