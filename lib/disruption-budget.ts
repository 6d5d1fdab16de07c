import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { objectMetadata, selectorLabels } from './labels';
import { ClusterSettings } from './settings';

/**
 * Node drains evict one member at a time, so a drain never takes the primary and its standbys down
 * together.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
 */
export function createDisruptionBudget(scope: Construct, settings: ClusterSettings): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, 'DisruptionBudget', {
    metadata: objectMetadata(settings, settings.name),
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: selectorLabels(settings.name) },
    },
  });
}
