export * from './agent-image';
export { BackupCompression, BackupSource, ServerSideEncryption } from './backup';
export type { BackupProps } from './backup';
export * from './checks';
export * from './cluster';
export * from './modes';
export { ClusterMonitoring } from './monitoring/cluster-monitoring';
export type { MonitoringOptions } from './monitoring/options';
export { ClusterConnections } from './network-policy';
export * from './props';
export { RecoveryTarget } from './restore';
export type { RestoreProps } from './restore';
export { CertManagerIssuerKind, PostgresTls } from './tls';
export type { CertManagerIssuer, CertManagerTlsOptions } from './tls';
export * from './version';
export * from './volume-retention';
// The generated cert-manager types, as a submodule: `cluster.certificate` is a `certmanager.Certificate`.
export * as certmanager from '../imports/cert-manager-certificates-cert-manager.io';
// The generated prometheus-operator PodMonitor type, as a submodule: `cluster.monitoring.podMonitor`.
export * as monitoringcoreos from '../imports/prometheus-podmonitors-monitoring.coreos.com';
