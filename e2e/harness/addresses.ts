/**
 * The harness's address plan. Pods live on one bridge in 10.244.0.0/16 (like a pod CIDR); Services
 * get addresses in 10.96.0.0/24 (like a service CIDR) that the host owns, where the proxies listen.
 * Everything here is a fixed plan, so one harness runs per machine at a time.
 */

export const BRIDGE = 'pgha0';
export const BRIDGE_ADDRESS = '10.244.0.1';
export const POD_PREFIX_LENGTH = 16;
/** Network namespaces, veths and /etc/netns folders carry this prefix; cleanup removes them by it. */
export const NETNS_PREFIX = 'pgha-';
export const HOST_VETH_PREFIX = 'pgv';

/** Where the API server stand-in listens, as Service `kubernetes` in `default` does in a cluster. */
export const API_SERVICE_ADDRESS = '10.96.0.1';
export const API_SERVICE_PORT = 443;

const POD_ADDRESS_BASE = [10, 244, 1];
const SERVICE_ADDRESS_BASE = [10, 96, 0];
const FIRST_SERVICE_HOST = 10;
const LAST_HOST = 254;

/**
 * Hands out one address per pod name and per Service, and keeps it: a pod recreated under the same
 * name gets the same address (and the same MAC), so hosts files and static neighbour entries written
 * once stay right.
 */
export class AddressBook {
  private readonly pods = new Map<string, number>();
  private readonly services = new Map<string, number>();

  /** The pod's address and the number of its host-side veth. */
  podSlot(namespace: string, pod: string): { address: string; index: number } {
    const index = allocate(this.pods, `${namespace}/${pod}`, 2);
    return { address: [...POD_ADDRESS_BASE, index].join('.'), index };
  }

  serviceAddress(namespace: string, service: string): string {
    return [...SERVICE_ADDRESS_BASE, allocate(this.services, `${namespace}/${service}`, FIRST_SERVICE_HOST)].join('.');
  }
}

function allocate(slots: Map<string, number>, key: string, first: number): number {
  const known = slots.get(key);
  if (known !== undefined) return known;
  const next = first + slots.size;
  if (next > LAST_HOST) throw new Error(`the harness's address plan is exhausted at ${key}`);
  slots.set(key, next);
  return next;
}

/**
 * A locally administered MAC derived from the address (Docker does the same), so neighbour entries
 * can be written before the interface exists and stay valid when it is recreated.
 */
export function macFor(address: string): string {
  const hex = address.split('.').map((octet) => Number(octet).toString(16).padStart(2, '0'));
  return ['02', '42', ...hex].join(':');
}
