import { Testing } from 'cdk8s';
import { addExamples } from '../../examples/app';
import { PodSecurity, PodDocument, IPodSecurityRule, PodSecurityRules } from '../../lib';
import { readOnlyRootFilesystem } from '../../lib/checks/rules/hardening';
import { noHostNamespaces, noHostPath, noHostPorts, noHostProcess } from '../../lib/checks/rules/host';
import {
  allowedCapabilities, capabilitiesDropAll, noPrivileged, noPrivilegeEscalation, runAsNonRoot, runAsNonZeroUser,
} from '../../lib/checks/rules/privileges';
import { appArmorProfile, defaultProcMount, safeSysctls, seccompProfile, seLinuxOptions } from '../../lib/checks/rules/profiles';
import { allowedVolumeTypes } from '../../lib/checks/rules/volumes';
import { Manifest, render } from './helpers';

/** The smallest pod that passes every rule: the baseline each failing case changes one thing of. */
function compliantPod(): any {
  return {
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'app',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
      }],
    },
  };
}

/** The compliant pod with `change` applied to a copy. */
function podWith(change: (pod: any) => void): PodDocument {
  const pod = compliantPod();
  change(pod);
  return pod;
}

function exampleManifests(): Manifest[] {
  const app = Testing.app();
  addExamples(app);
  return app.charts.flatMap((chart) => Testing.synth(chart));
}

/** Every rule, with a pod that breaks it and the exact messages it gives. */
const failures: Array<[IPodSecurityRule, PodDocument, string[]]> = [
  [noHostProcess, podWith((p) => {
    p.spec.securityContext.windowsOptions = { hostProcess: true };
    p.spec.containers[0].securityContext.windowsOptions = { hostProcess: true };
  }), [
    'spec.securityContext.windowsOptions.hostProcess must be unset or false, got true',
    'container "app": securityContext.windowsOptions.hostProcess must be unset or false, got true',
  ]],
  [noHostNamespaces, podWith((p) => Object.assign(p.spec, { hostNetwork: true, hostPID: false, hostIPC: true })), [
    'spec.hostNetwork must be unset or false, got true',
    'spec.hostIPC must be unset or false, got true',
  ]],
  [noPrivileged, podWith((p) => { p.spec.containers[0].securityContext.privileged = true; }), [
    'container "app": securityContext.privileged must be unset or false, got true',
  ]],
  [noHostPath, podWith((p) => { p.spec.volumes = [{ name: 'root', hostPath: { path: '/' } }]; }), [
    'spec.volumes["root"].hostPath must be unset, got {"path":"/"}',
  ]],
  [noHostPorts, podWith((p) => { p.spec.containers[0].ports = [{ containerPort: 80 }, { containerPort: 5432, hostPort: 5432 }]; }), [
    'container "app": ports[1].hostPort must be unset or 0, got 5432',
  ]],
  [appArmorProfile, podWith((p) => {
    p.metadata = { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } };
    p.spec.containers[0].securityContext.appArmorProfile = { type: 'Unconfined' };
  }), [
    'container "app": securityContext.appArmorProfile.type must be unset, "RuntimeDefault" or "Localhost", got "Unconfined"',
    'metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] must be "runtime/default" or "localhost/<profile>", got "unconfined"',
  ]],
  [seLinuxOptions, podWith((p) => {
    p.spec.securityContext.seLinuxOptions = { user: 'system_u' };
    p.spec.containers[0].securityContext.seLinuxOptions = { type: 'spc_t', role: 'sysadm_r' };
  }), [
    'spec.securityContext.seLinuxOptions.user must be unset, got "system_u"',
    'container "app": securityContext.seLinuxOptions.type must be unset or one of container_t, container_init_t, container_kvm_t, container_engine_t, got "spc_t"',
    'container "app": securityContext.seLinuxOptions.role must be unset, got "sysadm_r"',
  ]],
  [defaultProcMount, podWith((p) => { p.spec.containers[0].securityContext.procMount = 'Unmasked'; }), [
    'container "app": securityContext.procMount must be unset or "Default", got "Unmasked"',
  ]],
  [safeSysctls, podWith((p) => { p.spec.securityContext.sysctls = [{ name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'kernel.msgmax', value: '1' }]; }), [
    'spec.securityContext.sysctls[1].name must be one of kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, '
      + 'net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports, '
      + 'net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, got "kernel.msgmax"',
  ]],
  [allowedVolumeTypes, podWith((p) => { p.spec.volumes = [{ name: 'data', emptyDir: {} }, { name: 'share', nfs: { server: 'nas', path: '/' } }]; }), [
    'spec.volumes["share"] must be one of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret, got nfs',
  ]],
  [noPrivilegeEscalation, podWith((p) => {
    delete p.spec.containers[0].securityContext.allowPrivilegeEscalation;
    p.spec.initContainers = [{ ...p.spec.containers[0], name: 'setup', securityContext: { ...p.spec.containers[0].securityContext, allowPrivilegeEscalation: true } }];
  }), [
    'container "app": securityContext.allowPrivilegeEscalation must be false, got unset',
    'init container "setup": securityContext.allowPrivilegeEscalation must be false, got true',
  ]],
  [runAsNonRoot, podWith((p) => {
    delete p.spec.securityContext.runAsNonRoot;
    p.spec.ephemeralContainers = [{ name: 'debug', securityContext: { ...p.spec.containers[0].securityContext, runAsNonRoot: false } }];
  }), [
    'container "app": securityContext.runAsNonRoot must be true (here or in the pod\'s securityContext), got unset',
    'ephemeral container "debug": securityContext.runAsNonRoot must be true or unset, got false',
  ]],
  [runAsNonRoot, podWith((p) => {
    p.spec.securityContext.runAsNonRoot = false;
    p.spec.containers[0].securityContext.runAsNonRoot = true;
  }), [
    'spec.securityContext.runAsNonRoot must be true or unset, got false',
  ]],
  [runAsNonZeroUser, podWith((p) => {
    p.spec.securityContext.runAsUser = 0;
    p.spec.containers[0].securityContext.runAsUser = 0;
  }), [
    'spec.securityContext.runAsUser must be a user other than 0, got 0',
    'container "app": securityContext.runAsUser must be a user other than 0, got 0',
  ]],
  [seccompProfile, podWith((p) => { delete p.spec.securityContext.seccompProfile; }), [
    'container "app": securityContext.seccompProfile.type must be "RuntimeDefault" or "Localhost" (here or in the pod\'s securityContext), got unset',
  ]],
  [seccompProfile, podWith((p) => {
    p.spec.securityContext.seccompProfile.type = 'Unconfined';
    p.spec.containers[0].securityContext.seccompProfile = { type: 'Unconfined' };
  }), [
    'spec.securityContext.seccompProfile.type must be "RuntimeDefault" or "Localhost", got "Unconfined"',
    'container "app": securityContext.seccompProfile.type must be "RuntimeDefault" or "Localhost", got "Unconfined"',
  ]],
  [capabilitiesDropAll, podWith((p) => { p.spec.containers[0].securityContext.capabilities = { drop: ['NET_RAW'] }; }), [
    'container "app": securityContext.capabilities.drop must be a list that includes "ALL", got ["NET_RAW"]',
  ]],
  [allowedCapabilities, podWith((p) => { p.spec.containers[0].securityContext.capabilities.add = ['NET_BIND_SERVICE', 'SYS_ADMIN']; }), [
    'container "app": securityContext.capabilities.add must be unset or only "NET_BIND_SERVICE", got ["NET_BIND_SERVICE","SYS_ADMIN"]',
  ]],
  [readOnlyRootFilesystem, podWith((p) => { p.spec.containers[0].securityContext.readOnlyRootFilesystem = false; }), [
    'container "app": securityContext.readOnlyRootFilesystem must be true, got false',
  ]],
];

describe('pod security rules', () => {
  const examples = exampleManifests();

  test('HARDENED is RESTRICTED plus read-only root filesystems, and every rule is tested here', () => {
    expect(PodSecurityRules.HARDENED.map((r) => r.id)).toEqual([...PodSecurityRules.RESTRICTED.map((r) => r.id), 'readOnlyRootFilesystem']);
    expect(new Set(failures.map(([rule]) => rule.id))).toEqual(new Set(PodSecurityRules.HARDENED.map((r) => r.id)));
  });

  test('the examples hold the pods of four clusters and an app', () => {
    const everyPod: IPodSecurityRule = { id: 'everyPod', description: 'reports every pod it sees', check: () => ['seen'] };
    expect(PodSecurity.check(examples, [everyPod]).map((finding) => finding.resource)).toEqual([
      'StatefulSet demo/ha-postgres', 'StatefulSet demo/hot-postgres', 'StatefulSet demo/sync-postgres', 'Deployment demo/ticker',
      'StatefulSet demo/monitored-postgres',
    ]);
  });

  test('fails to change a rule set in place: the sets are frozen, so a change cannot leak into the defaults', () => {
    expect(() => PodSecurityRules.RESTRICTED.push(readOnlyRootFilesystem)).toThrow('Cannot add property 16, object is not extensible');
    expect(PodSecurityRules.RESTRICTED.map((r) => r.id)).not.toContain('readOnlyRootFilesystem');
  });

  test('the compliant pod passes every rule', () => {
    for (const rule of PodSecurityRules.HARDENED) {
      expect(rule.check(compliantPod())).toEqual([]);
    }
  });

  describe.each(PodSecurityRules.HARDENED.map((rule) => [rule.id, rule] as const))('%s', (_, rule) => {
    test('passes on every pod of the examples (the clusters\' and the app\'s)', () => {
      expect(PodSecurity.check(examples, [rule])).toEqual([]);
    });
  });

  test.each(failures.map(([rule, pod, messages]) => [rule.id, pod, messages, rule] as const))(
    'fails: %s, on a pod that breaks it (case %#)', (_, pod, messages, rule) => {
      expect(rule.check(pod)).toEqual(messages);
    });

  test('runAsNonRoot and seccompProfile accept the pod\'s setting for every container', () => {
    const pod = podWith((p) => { p.spec.containers.push({ name: 'sidecar', securityContext: p.spec.containers[0].securityContext }); });
    expect(runAsNonRoot.check(pod)).toEqual([]);
    expect(seccompProfile.check(pod)).toEqual([]);
  });

  test('seccompProfile accepts Localhost profiles, set on each container instead of the pod', () => {
    const pod = podWith((p) => {
      delete p.spec.securityContext.seccompProfile;
      p.spec.containers[0].securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/app.json' };
    });
    expect(seccompProfile.check(pod)).toEqual([]);
  });

  test('Windows pods are exempt from the Linux-only controls, as the standard says', () => {
    const pod = podWith((p) => {
      p.spec.os = { name: 'windows' };
      delete p.spec.securityContext.seccompProfile;
      p.spec.containers[0].securityContext = { readOnlyRootFilesystem: true };
    });
    expect(PodSecurity.check([{ kind: 'Pod', metadata: { name: 'win' }, ...pod }], PodSecurityRules.HARDENED)).toEqual([]);
  });
});

describe('PodSecurity', () => {
  test('finds the pods of every workload kind, names the object, and skips other kinds', () => {
    const pod = podWith((p) => { p.spec.hostNetwork = true; });
    const manifests = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'demo' }, ...pod },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b', namespace: 'demo' }, spec: { template: pod } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: pod } } } },
      { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'd' }, template: pod },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e' }, data: { spec: 'not a pod' } },
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'f' }, spec: { template: pod } },
    ];
    expect(PodSecurity.check(manifests)).toEqual(['Pod demo/a', 'Deployment demo/b', 'CronJob c', 'PodTemplate d'].map((resource) => ({
      rule: 'noHostNamespaces', resource, message: 'spec.hostNetwork must be unset or false, got true',
    })));
  });

  test('checks the Restricted standard by default, not this library\'s read-only root filesystems', () => {
    const pod = podWith((p) => { delete p.spec.containers[0].securityContext.readOnlyRootFilesystem; });
    const manifests = [{ kind: 'Pod', metadata: { name: 'a' }, ...pod }];
    expect(PodSecurity.check(manifests)).toEqual([]);
    expect(PodSecurity.check(manifests, PodSecurityRules.HARDENED)).toEqual([{
      rule: 'readOnlyRootFilesystem',
      resource: 'Pod a',
      message: 'container "app": securityContext.readOnlyRootFilesystem must be true, got unset',
    }]);
  });

  test('a cluster\'s pods pass the hardened rules with every prop that touches the pod', () => {
    expect(PodSecurity.check(render({ replicas: 5, postgresImage: 'registry.example/postgres:17', networkPolicy: false }).manifests,
      PodSecurityRules.HARDENED)).toEqual([]);
  });
});
