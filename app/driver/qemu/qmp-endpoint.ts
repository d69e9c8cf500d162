// Where QEMU's QMP monitor listens. A unix socket in the machine folder on macOS
// and Linux (only the user can reach it); on Windows QEMU's unix sockets are
// unreliable, so TCP on 127.0.0.1 with a port picked at start and written down
// in the machine folder, so a fresh process can find it again.
import { freePort } from '../../base/net';
import { readFile, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import type { MachineFiles } from './machine-files';

export type QmpEndpoint = { kind: 'unix'; path: string } | { kind: 'tcp'; host: '127.0.0.1'; port: number };

/** The value for QEMU's `-qmp` option. */
export function qmpOption(ep: QmpEndpoint): string {
  return ep.kind === 'unix'
    ? `unix:${ep.path.replace(/,/g, ',,')},server=on,wait=off`
    : `tcp:${ep.host}:${ep.port},server=on,wait=off`;
}

/** Options for net.connect. */
export function qmpConnectOptions(ep: QmpEndpoint): net.NetConnectOpts {
  return ep.kind === 'unix' ? { path: ep.path } : { host: ep.host, port: ep.port };
}

/** Chooses the endpoint for a new QEMU and records it when it is not derivable. */
export async function newQmpEndpoint(platform: NodeJS.Platform, files: MachineFiles): Promise<QmpEndpoint> {
  if (platform !== 'win32') return { kind: 'unix', path: files.qmpSocket };
  const ep: QmpEndpoint = { kind: 'tcp', host: '127.0.0.1', port: await freePort() };
  await writeFile(files.qmpEndpointFile, JSON.stringify(ep) + '\n', { mode: 0o600 });
  return ep;
}

/** The endpoint of the QEMU already running, or undefined if none was recorded. */
export async function currentQmpEndpoint(
  platform: NodeJS.Platform,
  files: MachineFiles,
): Promise<QmpEndpoint | undefined> {
  if (platform !== 'win32') return { kind: 'unix', path: files.qmpSocket };
  try {
    const ep = JSON.parse(await readFile(files.qmpEndpointFile, 'utf8')) as QmpEndpoint;
    return ep.kind === 'tcp' && Number.isInteger(ep.port)
      ? { kind: 'tcp', host: '127.0.0.1', port: ep.port }
      : undefined;
  } catch {
    return undefined;
  }
}
