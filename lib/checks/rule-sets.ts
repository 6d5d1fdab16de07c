import { IPodSecurityRule } from './rule';
import { readOnlyRootFilesystem } from './rules/hardening';
import { noHostNamespaces, noHostPath, noHostPorts, noHostProcess } from './rules/host';
import {
  allowedCapabilities, capabilitiesDropAll, noPrivileged, noPrivilegeEscalation, runAsNonRoot, runAsNonZeroUser,
} from './rules/privileges';
import { appArmorProfile, defaultProcMount, safeSysctls, seccompProfile, seLinuxOptions } from './rules/profiles';
import { allowedVolumeTypes } from './rules/volumes';

/**
 * The sets of rules `PodSecurity.check()` applies. Each rule is an `IPodSecurityRule`; filter a set by
 * `id` to leave one out, or add your own. The arrays are frozen (jsii has no read-only arrays): a set
 * cannot be changed in place, only copied.
 */
export class PodSecurityRules {
  /**
   * The Restricted Pod Security Standard, which includes Baseline: what the `restricted` level of Pod
   * Security Admission enforces on a namespace.
   *
   * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
   */
  public static readonly RESTRICTED: IPodSecurityRule[] = Object.freeze([
    noHostProcess,
    noHostNamespaces,
    noPrivileged,
    noHostPath,
    noHostPorts,
    appArmorProfile,
    seLinuxOptions,
    defaultProcMount,
    safeSysctls,
    allowedVolumeTypes,
    noPrivilegeEscalation,
    runAsNonRoot,
    runAsNonZeroUser,
    seccompProfile,
    capabilitiesDropAll,
    allowedCapabilities,
  ]) as IPodSecurityRule[];

  /** `RESTRICTED` and read-only root filesystems: what every pod a `PostgresCluster` renders passes. */
  public static readonly HARDENED: IPodSecurityRule[] = Object.freeze([...PodSecurityRules.RESTRICTED, readOnlyRootFilesystem]) as IPodSecurityRule[];

  private constructor() {}
}
