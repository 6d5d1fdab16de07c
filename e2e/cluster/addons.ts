/**
 * What a cluster installer adds after the control plane: cluster DNS (CoreDNS as kubeadm deploys it,
 * from the image built here) and the `standard` StorageClass the examples name.
 */
import { NETWORK, VERSIONS } from './plan';

export function coreDnsManifest(): string {
  const labels = { 'k8s-app': 'kube-dns' };
  const objects = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: 'kube-system' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }],
    },
    {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' },
      // kubeadm's Corefile without `forward` (this machine has no upstream resolver) and with a shorter ttl.
      data: {
        Corefile: [
          '.:53 {',
          '    errors',
          '    health {',
          '       lameduck 5s',
          '    }',
          '    ready',
          `    kubernetes ${NETWORK.clusterDomain} in-addr.arpa ip6.arpa {`,
          '       pods insecure',
          '       fallthrough in-addr.arpa ip6.arpa',
          // 5 s, not kubeadm's 30: the suite re-creates clusters of the same names seconds apart, and a
          // 30 s answer gave the next scenario's pods the previous one's addresses (e2e/README.md).
          '       ttl 5',
          '    }',
          '    prometheus :9153',
          '    cache 30',
          '    loop',
          '    reload',
          '    loadbalance',
          '}',
          '',
        ].join('\n'),
      },
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system', labels },
      spec: {
        // Two, spread over the nodes as kubeadm's are: losing the node of the only one would leave every
        // lookup timing out until the node is declared lost (node-lost scenario).
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            priorityClassName: 'system-cluster-critical',
            dnsPolicy: 'Default',
            affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' } }] } },
            tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
            containers: [{
              name: 'coredns',
              image: `registry.k8s.io/coredns/coredns:${VERSIONS.coredns}`,
              imagePullPolicy: 'IfNotPresent',
              args: ['-conf', '/etc/coredns/Corefile'],
              resources: { requests: { cpu: '50m', memory: '70Mi' }, limits: { memory: '170Mi' } },
              volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
              ports: [
                { containerPort: 53, name: 'dns', protocol: 'UDP' },
                { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
              ],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }, readOnlyRootFilesystem: true },
              livenessProbe: { httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 10, timeoutSeconds: 5, failureThreshold: 5 },
              readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 2 },
            }],
            volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...labels, 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        selector: labels,
        clusterIP: NETWORK.dnsServiceAddress,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'metrics', port: 9153, protocol: 'TCP' },
        ],
      },
    },
  ];
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}

/** `standard`, bound where the pod lands, from the local volumes of local-volumes.ts. */
export const STORAGE_CLASS = 'standard';

export function storageClassManifest(): string {
  return JSON.stringify({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Retain',
  });
}
