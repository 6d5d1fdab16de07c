/**
 * The parts of a rendered pod the security rules read, with Kubernetes' own (JSON) field names: the
 * rules run over what `cdk8s synth` writes, not over construct props, so they judge any chart. Every
 * nested object is a named struct and every list a plain array, so that rules can be written in every
 * jsii language.
 */

export interface CapabilitiesDocument {
  readonly add?: string[];
  readonly drop?: string[];
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
  readonly sysctls?: SysctlDocument[];
}

/** One entry of a pod's `securityContext.sysctls`. */
export interface SysctlDocument {
  readonly name: string;
}

/** One entry of a container's `ports`. */
export interface ContainerPortDocument {
  readonly hostPort?: number;
}

export interface ContainerDocument {
  readonly name: string;
  readonly securityContext?: ContainerSecurityContextDocument;
  readonly ports?: ContainerPortDocument[];
}

/**
 * A volume: its name and one key naming its type (`configMap`, `emptyDir`, `hostPath`, …). Only
 * `hostPath` is declared; the built-in rules see the other keys too, a rule written in another jsii
 * language sees the declared ones.
 */
export interface VolumeDocument {
  readonly name: string;
  /** The node directory a `hostPath` volume mounts, when it is one. */
  readonly hostPath?: any;
}

/** A pod's `os`. */
export interface PodOsDocument {
  readonly name?: string;
}

export interface PodSpecDocument {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly os?: PodOsDocument;
  readonly securityContext?: PodSecurityContextDocument;
  readonly containers?: ContainerDocument[];
  readonly initContainers?: ContainerDocument[];
  readonly ephemeralContainers?: ContainerDocument[];
  readonly volumes?: VolumeDocument[];
}

/** A pod's `metadata`: the annotations (AppArmor's older form). */
export interface PodMetadataDocument {
  readonly annotations?: { [key: string]: string };
}

/** A Pod, or a workload's pod template: the metadata and the spec. */
export interface PodDocument {
  readonly metadata?: PodMetadataDocument;
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
