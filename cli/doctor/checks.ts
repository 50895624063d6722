/** The checks of `xpuflow doctor`, in the order they run (a check's `needs` come before it). */
import type { Check } from './check';
import { codecKeysCheck } from './codec-keys';
import { crdsCheck } from './crds';
import { dmsReachabilityCheck } from './dms-reachability';
import { kubeConnectionCheck } from './kube-connection';
import { kubeRightsCheck } from './kube-rights';
import { pollersCheck } from './pollers';
import { searchAttributesCheck } from './search-attributes';
import { temporalConnectionCheck } from './temporal-connection';
import { temporalNamespaceCheck } from './temporal-namespace';

export const DOCTOR_CHECKS: Check[] = [
  temporalConnectionCheck,
  temporalNamespaceCheck,
  searchAttributesCheck,
  codecKeysCheck,
  pollersCheck,
  dmsReachabilityCheck,
  kubeConnectionCheck,
  kubeRightsCheck,
  crdsCheck,
];
