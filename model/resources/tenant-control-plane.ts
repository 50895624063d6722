/**
 * Kamaji's TenantControlPlane (kamaji.clastix.io/v1alpha1), only the fields
 * xpuflow writes or reads, spelled as Kamaji publishes them
 * (clastix/kamaji api/v1alpha1/tenantcontrolplane_types.go and
 * tenantcontrolplane_status.go @ ddbabd87ed0e8d7c319414383e153c46f21733a9;
 * the CRD is vendored in test/fixtures/kamaji/).
 */
import type { ObjectMeta } from './common';

export const KAMAJI_GROUP = 'kamaji.clastix.io';
export const KAMAJI_VERSION = 'v1alpha1';
export const TENANT_CONTROL_PLANES = 'tenantcontrolplanes';

/** KubernetesVersionStatus: `+kubebuilder:validation:Enum=Unknown;Provisioning;…;Ready;NotReady;…`. */
export type KubernetesVersionStatus =
  | 'Unknown'
  | 'Provisioning'
  | 'CertificateAuthorityRotating'
  | 'Upgrading'
  | 'Migrating'
  | 'Ready'
  | 'NotReady'
  | 'Sleeping'
  | 'WriteLimited';

export interface TenantControlPlaneResource {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
  status?: {
    kubeconfig?: { admin?: { secretName?: string } };
    kubernetesResources?: { version?: { version?: string; status?: KubernetesVersionStatus } };
    controlPlaneEndpoint?: string;
  };
}
