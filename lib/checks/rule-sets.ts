import { PodSecurityRule } from './rule';
import { readOnlyRootFilesystem } from './rules/hardening';
import { noHostNamespaces, noHostPath, noHostPorts, noHostProcess } from './rules/host';
import {
  allowedCapabilities, capabilitiesDropAll, noPrivileged, noPrivilegeEscalation, runAsNonRoot, runAsNonZeroUser,
} from './rules/privileges';
import { appArmorProfile, defaultProcMount, safeSysctls, seccompProfile, seLinuxOptions } from './rules/profiles';
import { allowedVolumeTypes } from './rules/volumes';

/**
 * The sets of rules `checkPodSecurity()` applies. Each rule is a `PodSecurityRule`; filter a set by
 * `id` to leave one out, or add your own.
 */
export class PodSecurityRules {
  /**
   * The Restricted Pod Security Standard, which includes Baseline: what the `restricted` level of Pod
   * Security Admission enforces on a namespace.
   *
   * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
   */
  public static readonly RESTRICTED: readonly PodSecurityRule[] = [
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
  ];

  /** `RESTRICTED` and read-only root filesystems: what every pod a `PostgresCluster` renders passes. */
  public static readonly HARDENED: readonly PodSecurityRule[] = [...PodSecurityRules.RESTRICTED, readOnlyRootFilesystem];

  private constructor() {}
}
