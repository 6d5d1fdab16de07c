/**
 * The parts of a rendered pod the security rules read, with Kubernetes' own (JSON) field names: the
 * rules run over what `cdk8s synth` writes, not over construct props, so they judge any chart.
 */

export interface CapabilitiesDocument {
  readonly add?: readonly string[];
  readonly drop?: readonly string[];
}

export interface SeccompProfileDocument {
  readonly type?: string;
}

export interface AppArmorProfileDocument {
  readonly type?: string;
}

export interface SeLinuxOptionsDocument {
  readonly type?: string;
  readonly user?: string;
  readonly role?: string;
}

export interface WindowsOptionsDocument {
  readonly hostProcess?: boolean;
}

/** A container's `securityContext`. */
export interface ContainerSecurityContextDocument {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly procMount?: string;
  readonly capabilities?: CapabilitiesDocument;
  readonly seccompProfile?: SeccompProfileDocument;
  readonly appArmorProfile?: AppArmorProfileDocument;
  readonly seLinuxOptions?: SeLinuxOptionsDocument;
  readonly windowsOptions?: WindowsOptionsDocument;
}

/** A pod's `securityContext`. */
export interface PodSecurityContextDocument {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly seccompProfile?: SeccompProfileDocument;
  readonly appArmorProfile?: AppArmorProfileDocument;
  readonly seLinuxOptions?: SeLinuxOptionsDocument;
  readonly windowsOptions?: WindowsOptionsDocument;
  readonly sysctls?: ReadonlyArray<{ readonly name: string }>;
}

export interface ContainerDocument {
  readonly name: string;
  readonly securityContext?: ContainerSecurityContextDocument;
  readonly ports?: ReadonlyArray<{ readonly hostPort?: number }>;
}

/** A volume: its name and one key naming its type (`configMap`, `emptyDir`, `hostPath`, …). */
export interface VolumeDocument {
  readonly name: string;
  readonly [type: string]: unknown;
}

export interface PodSpecDocument {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly os?: { readonly name?: string };
  readonly securityContext?: PodSecurityContextDocument;
  readonly containers?: readonly ContainerDocument[];
  readonly initContainers?: readonly ContainerDocument[];
  readonly ephemeralContainers?: readonly ContainerDocument[];
  readonly volumes?: readonly VolumeDocument[];
}

/** A Pod, or a workload's pod template: the annotations (AppArmor's older form) and the spec. */
export interface PodDocument {
  readonly metadata?: { readonly annotations?: { readonly [key: string]: string } };
  readonly spec: PodSpecDocument;
}

/** One container of a pod, with how messages name it: `container "agent"`, `init container "setup"`. */
export interface ContainerEntry {
  readonly label: string;
  readonly container: ContainerDocument;
}

/** Every container, init container and ephemeral container of the pod, in that order. */
export function allContainers(spec: PodSpecDocument): ContainerEntry[] {
  const entries = (kind: string, containers: readonly ContainerDocument[] = []) =>
    containers.map((container) => ({ label: `${kind} "${container.name}"`, container }));
  return [
    ...entries('container', spec.containers),
    ...entries('init container', spec.initContainers),
    ...entries('ephemeral container', spec.ephemeralContainers),
  ];
}

/** Pods that declare `os.name: windows` are exempt from the Linux-only restricted controls. */
export function isWindows(spec: PodSpecDocument): boolean {
  return spec.os?.name === 'windows';
}

/** A field's value as messages show it: JSON, or `unset`. */
export function shown(value: unknown): string {
  return value === undefined ? 'unset' : JSON.stringify(value);
}
