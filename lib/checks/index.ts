export * from './check';
export * from './rule-sets';
export type { PodSecurityRule } from './rule';
export type {
  AppArmorProfileDocument, CapabilitiesDocument, ContainerDocument, ContainerSecurityContextDocument, PodDocument,
  PodSecurityContextDocument, PodSpecDocument, SeccompProfileDocument, SeLinuxOptionsDocument, VolumeDocument,
  WindowsOptionsDocument,
} from './pod-document';
