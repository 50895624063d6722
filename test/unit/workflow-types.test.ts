/**
 * The typed workflow names of model/workflow-types.ts are the workflows the
 * control worker registers: same names (byte for byte: running workflows and
 * controllers depend on them) and the same function types.
 */
import type * as registered from '../../workflows';
import { WorkflowType, type WorkflowFunctions } from '../../model/workflow-types';

type Registered = typeof registered;
/** Compiles only when A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Every registered workflow has a typed name and the same function type, and nothing else has one.
const sameNames: Same<keyof Registered, keyof WorkflowFunctions> = true;
const sameTypes: { [K in keyof Registered]: Same<Registered[K], WorkflowFunctions[K]> } = {
  provisionDpu: true,
  dpuLifecycle: true,
  updateDpu: true,
  deleteDpu: true,
  dpusetRollout: true,
  rolloutDpu: true,
  vfLease: true,
  vmClaim: true,
  serviceChain: true,
  serviceCredential: true,
  dpuService: true,
  dpuDiscovery: true,
  dpuCluster: true,
  vfClaim: true,
  dpuDeployment: true,
};

test('the workflow type names are the registered ones, unchanged', () => {
  expect(sameNames && Object.values(sameTypes).every(Boolean)).toBe(true);
  expect(Object.values(WorkflowType)).toEqual([
    'provisionDpu',
    'dpuLifecycle',
    'updateDpu',
    'deleteDpu',
    'dpusetRollout',
    'rolloutDpu',
    'vfLease',
    'vmClaim',
    'serviceChain',
    'serviceCredential',
    'dpuService',
    'dpuDiscovery',
    'dpuCluster',
    'vfClaim',
    'dpuDeployment',
  ]);
  for (const [key, name] of Object.entries(WorkflowType)) expect(name).toBe(key);
});
