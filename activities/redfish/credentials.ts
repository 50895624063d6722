/**
 * Where the redfish path gets what it needs to reach a DPU's BMC: the
 * account from the Secret `spec.bmc.credentialsSecret` names and the pinned
 * CA from a Secret or ConfigMap (or the certificate's SHA-256 from the spec),
 * all in the DPU's namespace. Read by the activity on each attempt, so no
 * credential ever enters a workflow history; deliberately not an activity.
 */
import { isNotFound, type Kube } from '../../platform/kube/client';
import { BMC_DEFAULT_KEYS, type BmcRef } from '../../model/install-path';
import { credentialsMissing, type BmcTarget } from './failures';

export interface BmcAccess {
  endpoint: { address: string; caPem?: string; certSha256?: string };
  credentials: { username: string; password: string };
}

/** How an activity finds a BMC's access; the control worker's reads the host cluster (`readBmcAccess`). */
export type BmcAccessReader = (t: BmcTarget, bmc: BmcRef) => Promise<BmcAccess>;

export function bmcTarget(input: { dpu: string; namespace: string; bmc: BmcRef }): BmcTarget {
  return {
    dpu: input.dpu,
    namespace: input.namespace,
    address: input.bmc.address,
    secret: `${input.namespace}/${input.bmc.credentialsSecret.name}`,
  };
}

/** Reads the account and the pinned CA of `bmc` from the host cluster. */
export function kubeBmcAccess(kube: () => Kube): BmcAccessReader {
  return async (t, bmc) => {
    const k = kube();
    const sec = await k.getSecret(t.namespace, bmc.credentialsSecret.name);
    if (!sec) throw credentialsMissing(t, `Secret ${t.secret} (spec.bmc.credentialsSecret) does not exist`);
    const userKey = bmc.credentialsSecret.usernameKey ?? BMC_DEFAULT_KEYS.username;
    const passKey = bmc.credentialsSecret.passwordKey ?? BMC_DEFAULT_KEYS.password;
    const username = decoded(sec.data?.[userKey]);
    const password = decoded(sec.data?.[passKey]);
    if (!username)
      throw credentialsMissing(t, `Secret ${t.secret} has no key ${userKey} (the BMC user name)`);
    if (!password) throw credentialsMissing(t, `Secret ${t.secret} has no key ${passKey} (the BMC password)`);
    const endpoint: BmcAccess['endpoint'] = { address: bmc.address };
    if (bmc.certSha256) endpoint.certSha256 = bmc.certSha256.toLowerCase();
    if (bmc.caRef) endpoint.caPem = await readCa(k, t, bmc.caRef);
    return { endpoint, credentials: { username, password } };
  };
}

function decoded(b64: string | undefined): string | undefined {
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

async function readCa(k: Kube, t: BmcTarget, ref: NonNullable<BmcRef['caRef']>): Promise<string> {
  const key = ref.key ?? BMC_DEFAULT_KEYS.ca;
  const name = `${ref.kind} ${t.namespace}/${ref.name}`;
  let pem: string | undefined;
  if (ref.kind === 'Secret') {
    const sec = await k.getSecret(t.namespace, ref.name);
    if (!sec) throw credentialsMissing(t, `${name} (spec.bmc.caRef) does not exist`);
    pem = decoded(sec.data?.[key]);
  } else {
    try {
      const cm = await k.core.readNamespacedConfigMap({ namespace: t.namespace, name: ref.name });
      pem = cm.data?.[key];
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw credentialsMissing(t, `${name} (spec.bmc.caRef) does not exist`);
    }
  }
  if (!pem?.includes('-----BEGIN CERTIFICATE-----')) {
    throw credentialsMissing(t, `${name} has no PEM certificate under key ${key}`);
  }
  return pem;
}
