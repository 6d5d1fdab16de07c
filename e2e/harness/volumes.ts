/**
 * The kubelet's volume plugins, as folders: each pod volume becomes a host folder that the launch
 * script bind-mounts into the containers. ConfigMap, Secret, projected (service-account token, CA,
 * namespace) and downwardAPI volumes are written from the API objects at pod start; emptyDirs are
 * fresh per pod incarnation; claims are the provisioned folders that outlive pods.
 */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fieldValue, type EnvSources } from './env';
import { applyFsGroup, type FsGroupChangePolicy } from './fs-group';
import type { Pod, Volume } from './kube';
import { configMapBytes, secretBytes, type DataBytes } from './object-data';

export interface VolumeSources extends EnvSources {
  /** A bound service-account token, as the TokenRequest API hands it to the kubelet. */
  issueToken(namespace: string, serviceAccount: string): string;
  /** The folder of a bound claim, or undefined while the claim does not exist. */
  claimDir(namespace: string, claim: string): string | undefined;
}

/** A volume the pod cannot mount yet (missing ConfigMap, Secret or claim); the kubelet retries. */
export class VolumeNotReadyError extends Error {}

const DEFAULT_FILE_MODE = 0o644;
const EMPTY_DIR_MODE = 0o777;

/**
 * @param podDir this pod incarnation's folder (its emptyDirs die with it)
 * @param fsGroup the host gid standing in for the pod's fsGroup, if any
 * @returns the host folder of each volume, by name
 */
export function prepareVolumes(pod: Pod, podDir: string, sources: VolumeSources, fsGroup: number | undefined): Map<string, string> {
  const dirs = new Map<string, string>();
  const policy = (pod.spec?.securityContext?.fsGroupChangePolicy ?? 'Always') as FsGroupChangePolicy;
  for (const volume of pod.spec?.volumes ?? []) {
    const { dir, readOnly } = prepareVolume(volume, pod, join(podDir, 'volumes', volume.name), sources);
    if (fsGroup !== undefined) applyFsGroup(dir, fsGroup, readOnly, policy);
    dirs.set(volume.name, dir);
  }
  return dirs;
}

function prepareVolume(volume: Volume, pod: Pod, dir: string, sources: VolumeSources): { dir: string; readOnly: boolean } {
  const namespace = pod.metadata?.namespace ?? 'default';
  if (volume.emptyDir) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, EMPTY_DIR_MODE);
    return { dir, readOnly: false };
  }
  if (volume.persistentVolumeClaim) {
    const { claimName } = volume.persistentVolumeClaim;
    const claimDir = sources.claimDir(namespace, claimName);
    if (!claimDir) throw new VolumeNotReadyError(`persistentvolumeclaim "${claimName}" not found`);
    return { dir: claimDir, readOnly: volume.persistentVolumeClaim.readOnly === true };
  }
  if (volume.configMap) {
    const { name = '', items, optional, defaultMode } = volume.configMap;
    const data = configMapBytes(sources.configMap(namespace, name));
    if (!data && !optional) throw new VolumeNotReadyError(`configmap "${name}" not found`);
    writeFiles(dir, selectItems(data ?? {}, items, `configmap "${name}"`, optional), defaultMode);
    return { dir, readOnly: true };
  }
  if (volume.secret) {
    const { secretName = '', items, optional, defaultMode } = volume.secret;
    const data = secretBytes(sources.secret(namespace, secretName));
    if (!data && !optional) throw new VolumeNotReadyError(`secret "${secretName}" not found`);
    writeFiles(dir, selectItems(data ?? {}, items, `secret "${secretName}"`, optional), defaultMode);
    return { dir, readOnly: true };
  }
  if (volume.downwardAPI) {
    writeFiles(dir, downwardFiles(pod, volume.downwardAPI.items ?? []), volume.downwardAPI.defaultMode);
    return { dir, readOnly: true };
  }
  if (volume.projected) {
    const files: ProjectedFile[] = [];
    for (const source of volume.projected.sources ?? []) {
      if (source.serviceAccountToken) {
        const token = sources.issueToken(namespace, pod.spec?.serviceAccountName ?? 'default');
        files.push({ path: source.serviceAccountToken.path, content: token });
      } else if (source.configMap) {
        const { name = '', items, optional } = source.configMap;
        const data = configMapBytes(sources.configMap(namespace, name));
        if (!data && !optional) throw new VolumeNotReadyError(`configmap "${name}" not found`);
        files.push(...selectItems(data ?? {}, items, `configmap "${name}"`, optional));
      } else if (source.secret) {
        const { name = '', items, optional } = source.secret;
        const data = secretBytes(sources.secret(namespace, name));
        if (!data && !optional) throw new VolumeNotReadyError(`secret "${name}" not found`);
        files.push(...selectItems(data ?? {}, items, `secret "${name}"`, optional));
      } else if (source.downwardAPI) {
        files.push(...downwardFiles(pod, source.downwardAPI.items ?? []));
      } else {
        throw new Error(`volume ${volume.name}: this projected source is not implemented by the e2e harness: ${JSON.stringify(source)}`);
      }
    }
    writeFiles(dir, files, volume.projected.defaultMode);
    return { dir, readOnly: true };
  }
  throw new Error(`volume ${volume.name}: this volume type is not implemented by the e2e harness: ${JSON.stringify(volume)}`);
}

interface ProjectedFile {
  readonly path: string;
  readonly content: string | Buffer;
  readonly mode?: number;
}

type KeyItems = Array<{ key: string; path: string; mode?: number }> | undefined;

function selectItems(data: DataBytes, items: KeyItems, what: string, optional: boolean | undefined): ProjectedFile[] {
  if (!items) return Object.entries(data).map(([key, content]) => ({ path: key, content }));
  return items.flatMap((item) => {
    if (item.key in data) return [{ path: item.path, content: data[item.key], mode: item.mode }];
    if (optional) return [];
    throw new VolumeNotReadyError(`configuration key "${item.key}" not found in ${what}`);
  });
}

type DownwardItems = NonNullable<NonNullable<Volume['downwardAPI']>['items']>;

function downwardFiles(pod: Pod, items: DownwardItems): ProjectedFile[] {
  return items.map((item) => {
    if (!item.fieldRef) throw new Error(`downwardAPI item ${item.path}: only fieldRef is implemented by the e2e harness`);
    return { path: item.path, content: fieldValue(pod, item.fieldRef.fieldPath), mode: item.mode };
  });
}

/** Files owned by root, as the kubelet writes them; the fsGroup walk then grants the group. */
function writeFiles(dir: string, files: readonly ProjectedFile[], defaultMode = DEFAULT_FILE_MODE): void {
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    chmodSync(path, file.mode ?? defaultMode);
    chownSync(path, 0, 0);
  }
}
