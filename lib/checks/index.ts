export * from './check';
export * from './rule-sets';
export type { IPodSecurityRule } from './rule';
export type {
  AppArmorProfileDocument, CapabilitiesDocument, ContainerDocument, ContainerPortDocument, ContainerSecurityContextDocument,
  PodDocument, PodMetadataDocument, PodOsDocument, PodSecurityContextDocument, PodSpecDocument, SeccompProfileDocument,
  SeLinuxOptionsDocument, SysctlDocument, VolumeDocument, WindowsOptionsDocument,
} from './pod-document';
