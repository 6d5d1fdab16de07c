import { PodDocument } from './pod-document';
import { IPodSecurityRule } from './rule';
import { PodSecurityRules } from './rule-sets';

/** One violation of one rule by one rendered object. */
export interface PodSecurityFinding {
  /** The rule's id, e.g. `runAsNonRoot`. */
  readonly rule: string;
  /** The object: `<kind> <namespace>/<name>`, or `<kind> <name>` when it names no namespace. */
  readonly resource: string;
  /** What is wrong, naming the container and field, e.g. `container "app": securityContext.runAsNonRoot must be …, got unset`. */
  readonly message: string;
}

/** Where each workload kind keeps its pod (template): a path of fields from the object. */
const POD_PATHS: { readonly [kind: string]: readonly string[] } = {
  Pod: [],
  PodTemplate: ['template'],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/**
 * Checks the pods of rendered Kubernetes objects against pod security rules. A class of static methods
 * because jsii languages have no free functions.
 */
export class PodSecurity {
  /**
   * Checks the pods of rendered Kubernetes objects (what `Testing.synth(chart)` or `chart.toJson()`
   * returns, or the documents of a YAML file) against pod security rules: the Restricted standard by
   * default, `PodSecurityRules.HARDENED` for this library's own bar. Objects of other kinds, custom
   * resources included, are skipped. Returns every violation; an empty list means every pod complies.
   *
   * @param manifests the rendered objects
   * @param rules the rules to apply; `PodSecurityRules.RESTRICTED` when omitted
   * @example
   * const findings = PodSecurity.check(Testing.synth(chart));
   * expect(findings).toEqual([]);
   */
  public static check(manifests: any[], rules: IPodSecurityRule[] = PodSecurityRules.RESTRICTED): PodSecurityFinding[] {
    return manifests.flatMap((manifest) => {
      const object = manifest as { kind?: string; metadata?: { name?: string; namespace?: string } };
      const path = object.kind === undefined ? undefined : POD_PATHS[object.kind];
      const pod = path && podAt(manifest, path);
      if (!pod) {
        return [];
      }
      const { name, namespace } = object.metadata ?? {};
      const resource = `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
      return rules.flatMap((rule) => rule.check(pod).map((message) => ({ rule: rule.id, resource, message })));
    });
  }

  private constructor() {}
}

function podAt(manifest: unknown, path: readonly string[]): PodDocument | undefined {
  const pod = path.reduce<any>((value, field) => value?.[field], manifest);
  return pod?.spec ? pod : undefined;
}
