/**
 * The controls over the kernel's confinement of a pod: seccomp, AppArmor, SELinux, /proc, sysctls.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
import { allContainers, isWindows, shown } from '../pod-document';
import { IPodSecurityRule, violation } from '../rule';

const CONFINED_SECCOMP = ['RuntimeDefault', 'Localhost'];
const CONFINED_APPARMOR = ['RuntimeDefault', 'Localhost'];
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];
/** The namespaced sysctls Baseline allows (Kubernetes 1.29+). */
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];

export const seccompProfile: IPodSecurityRule = {
  id: 'seccompProfile',
  description: 'The seccomp profile must be RuntimeDefault or Localhost, set on the pod or on every container, '
    + 'and Unconfined nowhere (Restricted, "Seccomp"; not for Windows pods).',
  check: ({ spec }) => {
    if (isWindows(spec)) {
      return [];
    }
    const allowed = '"RuntimeDefault" or "Localhost"';
    const field = 'securityContext.seccompProfile.type';
    const podType = spec.securityContext?.seccompProfile?.type;
    const podConfined = podType !== undefined && CONFINED_SECCOMP.includes(podType);
    return [
      ...(podType !== undefined && !podConfined ? [violation(undefined, `spec.${field}`, allowed, shown(podType))] : []),
      ...allContainers(spec).flatMap(({ label, container }) => {
        const type = container.securityContext?.seccompProfile?.type;
        if (type === undefined) {
          return podConfined ? [] : [violation(label, field, `${allowed} (here or in the pod's securityContext)`, 'unset')];
        }
        return CONFINED_SECCOMP.includes(type) ? [] : [violation(label, field, allowed, shown(type))];
      }),
    ];
  },
};

export const appArmorProfile: IPodSecurityRule = {
  id: 'appArmorProfile',
  description: 'AppArmor may not be disabled: the profile type is unset, RuntimeDefault or Localhost, and the '
    + 'older annotations runtime/default or localhost/* (Baseline, "AppArmor").',
  check: ({ metadata, spec }) => {
    const field = 'securityContext.appArmorProfile.type';
    const allowed = 'unset, "RuntimeDefault" or "Localhost"';
    const bad = (type: string | undefined) => type !== undefined && !CONFINED_APPARMOR.includes(type);
    const podType = spec.securityContext?.appArmorProfile?.type;
    return [
      ...(bad(podType) ? [violation(undefined, `spec.${field}`, allowed, shown(podType))] : []),
      ...allContainers(spec)
        .filter(({ container }) => bad(container.securityContext?.appArmorProfile?.type))
        .map(({ label, container }) => violation(label, field, allowed, shown(container.securityContext?.appArmorProfile?.type))),
      ...Object.entries(metadata?.annotations ?? {})
        .filter(([key, value]) => key.startsWith(APPARMOR_ANNOTATION_PREFIX) && value !== 'runtime/default' && !value.startsWith('localhost/'))
        .map(([key, value]) => violation(undefined, `metadata.annotations["${key}"]`, '"runtime/default" or "localhost/<profile>"', shown(value))),
    ];
  },
};

export const seLinuxOptions: IPodSecurityRule = {
  id: 'seLinuxOptions',
  description: 'SELinux options may only pick a container type (container_t, container_init_t, container_kvm_t, '
    + 'container_engine_t), never a user or role (Baseline, "SELinux").',
  check: ({ spec }) => {
    const problems = (where: string | undefined, prefix: string, options: { type?: string; user?: string; role?: string } | undefined) => [
      ...(options?.type !== undefined && !SELINUX_TYPES.includes(options.type)
        ? [violation(where, `${prefix}seLinuxOptions.type`, `unset or one of ${SELINUX_TYPES.filter(Boolean).join(', ')}`, shown(options.type))]
        : []),
      ...(['user', 'role'] as const)
        .filter((key) => options?.[key] !== undefined && options[key] !== '')
        .map((key) => violation(where, `${prefix}seLinuxOptions.${key}`, 'unset', shown(options?.[key]))),
    ];
    return [
      ...problems(undefined, 'spec.securityContext.', spec.securityContext?.seLinuxOptions),
      ...allContainers(spec).flatMap(({ label, container }) => problems(label, 'securityContext.', container.securityContext?.seLinuxOptions)),
    ];
  },
};

export const defaultProcMount: IPodSecurityRule = {
  id: 'defaultProcMount',
  description: 'Containers must keep the default masking of /proc (Baseline, "/proc Mount Type").',
  check: ({ spec }) => allContainers(spec)
    .filter(({ container }) => ![undefined, 'Default'].includes(container.securityContext?.procMount))
    .map(({ label, container }) => violation(label, 'securityContext.procMount', 'unset or "Default"', shown(container.securityContext?.procMount))),
};

export const safeSysctls: IPodSecurityRule = {
  id: 'safeSysctls',
  description: 'Only the namespaced sysctls Kubernetes deems safe may be set (Baseline, "Sysctls").',
  check: ({ spec }) => (spec.securityContext?.sysctls ?? [])
    .map((sysctl, index) => [sysctl.name, index] as const)
    .filter(([name]) => !SAFE_SYSCTLS.includes(name))
    .map(([name, index]) => violation(undefined, `spec.securityContext.sysctls[${index}].name`, `one of ${SAFE_SYSCTLS.join(', ')}`, shown(name))),
};
