/**
 * Runs one probe the way the kubelet's prober does: from the host (the node) to the pod's address for
 * httpGet and tcpSocket, inside the container for exec; success is 2xx/3xx, an accepted connection,
 * exit status 0; anything else, or no answer within timeoutSeconds, is a failure.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, Probe } from './kube';

export interface ProbeTarget {
  readonly podAddress: string;
  readonly container: Container;
  /** Runs a command inside the container with its user and environment; resolves to the exit status. */
  exec(argv: readonly string[], timeoutMs: number): Promise<number>;
}

export async function runProbe(probe: Probe, target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, target.container);
    if (port === undefined) return false;
    return httpProbe(probe.httpGet, probe.httpGet.host || target.podAddress, port, timeoutMs);
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, target.container);
    if (port === undefined) return false;
    return tcpProbe(probe.tcpSocket.host || target.podAddress, port, timeoutMs);
  }
  if (probe.exec) return (await target.exec(probe.exec.command ?? [], timeoutMs)) === 0;
  throw new Error(`container ${target.container.name}: grpc probes are not implemented by the e2e harness`);
}

/** A named port is looked up among the container's own ports, as the prober does. */
export function resolvePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

type HttpGet = NonNullable<Probe['httpGet']>;

function httpProbe(action: HttpGet, host: string, port: number, timeoutMs: number): Promise<boolean> {
  const https = action.scheme === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.27', Accept: '*/*' };
  for (const header of action.httpHeaders ?? []) headers[header.name] = header.value;
  return new Promise((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      { host, port, path: action.path ?? '/', method: 'GET', headers, rejectUnauthorized: false, agent: false },
      (res) => {
        clearTimeout(timer);
        res.resume();
        resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400);
      },
    );
    // The whole exchange up to the status line must fit in the timeout, not each idle gap.
    const timer = setTimeout(() => req.destroy(), timeoutMs);
    req.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
