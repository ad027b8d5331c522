import type {Host} from '../../../host/host.js';

/** policyRcD is the file invoke-rc.d and deb-systemd-invoke consult before starting or restarting a service. */
export const policyRcD = '/usr/sbin/policy-rc.d';

/** denyAll is cosi's policy-rc.d: exit 101 means "action forbidden", so maintainer scripts start nothing. */
const denyAll = '#!/bin/sh\n# Written by cosi for the duration of a package transaction; removed after it.\nexit 101\n';

/**
 * withPolicyRcD runs `body` with a policy-rc.d that keeps maintainer scripts from starting or restarting services
 * mid-apply, and removes it afterwards whatever happens. An existing policy-rc.d belongs to the administrator (or a
 * container image) and is left alone: then its policy applies.
 */
export async function withPolicyRcD<T>(host: Host, body: () => Promise<T>): Promise<T> {
  if ((await host.lstat(policyRcD)) !== undefined) return body();
  await host.writeAtomic(policyRcD, denyAll, {mode: 0o755});
  try {
    return await body();
  } finally {
    await host.remove(policyRcD);
  }
}
