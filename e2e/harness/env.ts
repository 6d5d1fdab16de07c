/**
 * A container's environment as the kubelet builds it (pkg/kubelet/kubelet_pods.go,
 * makeEnvironmentVariables): Service variables, then envFrom, then env in order with `$(VAR)`
 * expansion, values from fieldRef / secretKeyRef / configMapKeyRef resolved, `optional` honoured.
 */
import type { ConfigMap, Container, Pod, Secret } from './kube';
import { asText, configMapBytes, secretBytes } from './object-data';

/** What the kubelet reads from the API to fill the environment. */
export interface EnvSources {
  secret(namespace: string, name: string): Secret | undefined;
  configMap(namespace: string, name: string): ConfigMap | undefined;
}

/** The container cannot start with this spec yet (the kubelet's CreateContainerConfigError). */
export class ContainerConfigError extends Error {}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * @param serviceEnv the Service variables the kubelet injects (`KUBERNETES_SERVICE_HOST`, ...);
 *   explicit variables win over them, and `$(VAR)` may refer to them.
 */
export function containerEnv(container: Container, pod: Pod, sources: EnvSources, serviceEnv: Record<string, string>): Record<string, string> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {};

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const data = from.configMapRef
      ? asText(configMapBytes(sources.configMap(namespace, from.configMapRef.name ?? '')))
      : asText(secretBytes(sources.secret(namespace, from.secretRef?.name ?? '')));
    if (!data) {
      if (ref?.optional) continue;
      throw new ContainerConfigError(`${from.configMapRef ? 'configmap' : 'secret'} "${ref?.name}" not found`);
    }
    for (const [key, value] of Object.entries(data)) {
      const name = `${from.prefix ?? ''}${key}`;
      if (ENV_NAME.test(name)) env[name] = value;
    }
  }

  for (const variable of container.env ?? []) {
    const { name, value, valueFrom } = variable;
    if (!valueFrom) {
      env[name] = expand(value ?? '', (ref) => env[ref] ?? serviceEnv[ref]);
      continue;
    }
    const resolved = valueFromSource(valueFrom, pod, namespace, sources);
    if (resolved !== undefined) env[name] = resolved;
  }

  for (const [name, value] of Object.entries(serviceEnv)) {
    if (!(name in env)) env[name] = value;
  }
  return env;
}

type ValueFrom = NonNullable<NonNullable<Container['env']>[number]['valueFrom']>;

function valueFromSource(valueFrom: ValueFrom, pod: Pod, namespace: string, sources: EnvSources): string | undefined {
  if (valueFrom.fieldRef) return fieldValue(pod, valueFrom.fieldRef.fieldPath);
  if (valueFrom.secretKeyRef) {
    const { name = '', key, optional } = valueFrom.secretKeyRef;
    return keyValue('Secret', namespace, name, key, optional, asText(secretBytes(sources.secret(namespace, name))));
  }
  if (valueFrom.configMapKeyRef) {
    const { name = '', key, optional } = valueFrom.configMapKeyRef;
    return keyValue('ConfigMap', namespace, name, key, optional, asText(configMapBytes(sources.configMap(namespace, name))));
  }
  throw new ContainerConfigError(`the e2e harness does not implement this env source: ${JSON.stringify(valueFrom)}`);
}

function keyValue(kind: string, namespace: string, name: string, key: string, optional: boolean | undefined, data: Record<string, string> | undefined): string | undefined {
  if (!data) {
    if (optional) return undefined;
    throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
  }
  if (key in data) return data[key];
  if (optional) return undefined;
  throw new ContainerConfigError(`couldn't find key ${key} in ${kind} ${namespace}/${name}`);
}

/** The downward API fields a container's environment may use (pkg/fieldpath). */
export function fieldValue(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelOrAnnotation) {
    const map = labelOrAnnotation[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[labelOrAnnotation[2]] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.podIPs': return (pod.status?.podIPs ?? []).map((p) => p.ip).join(',');
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    default: throw new ContainerConfigError(`unsupported fieldRef ${fieldPath}`);
  }
}

/**
 * Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion): a reference to a defined
 * variable is replaced, an undefined one is left as written, `$$` escapes a `$`.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += lookup(name) ?? `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}
