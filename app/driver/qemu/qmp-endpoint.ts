// Where QEMU's QMP monitor listens, and how to reach it. QMP can do anything to
// the VM (read its memory, write it to any path with `pmemsave`), so only the
// user may open it.
//
// macOS and Linux: a unix socket in the machine folder (0700), so only the user
// can reach it.
//
// Windows: QEMU 7.2 and later can listen on an AF_UNIX socket there, but Node
// cannot connect to one (libuv's pipes are named pipes only on Windows), and a
// named pipe made by QEMU's `pipe` chardev grants read access to everyone and
// can be created first by another user. So QMP listens on 127.0.0.1 behind TLS
// with a pre-shared key: a random key written at each launch into the machine
// folder (under the user's profile, which other users cannot read) and named on
// QEMU's command line only by its folder, as command lines are visible to every
// user. Without the key a connection gets no greeting and can send nothing; the
// key also proves to Berth that it reached its own QEMU, not a program that took
// the port after QEMU went away. The port is written down in the machine folder
// so that a fresh agent can find it again.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { freePort } from '../../base/net';
import type { MachineFiles } from './machine-files';

export type QmpEndpoint =
  { kind: 'unix'; path: string } | { kind: 'tls'; host: '127.0.0.1'; port: number; pskDir: string; pskFile: string };

/** The name the key goes by in QEMU's key file and in Berth's handshake. */
const PSK_IDENTITY = 'berth';
/** QEMU's id for the TLS credentials object on its command line. */
const TLS_ID = 'qmp-tls';
/** TLS 1.2 PSK suites that both QEMU's GnuTLS and Node's OpenSSL offer. */
const PSK_CIPHERS = 'PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256';

/** A value inside QEMU's comma-separated options: a comma is written twice. */
const esc = (v: string) => v.replace(/,/g, ',,');

/** QEMU's arguments for a QMP monitor at `ep`. */
export function qmpArgs(ep: QmpEndpoint): string[] {
  if (ep.kind === 'unix') return ['-qmp', `unix:${esc(ep.path)},server=on,wait=off`];
  return [
    '-object',
    `tls-creds-psk,id=${TLS_ID},endpoint=server,dir=${esc(ep.pskDir)}`,
    '-chardev',
    `socket,id=qmp,host=${ep.host},port=${ep.port},server=on,wait=off,tls-creds=${TLS_ID}`,
    '-mon',
    'chardev=qmp,mode=control',
  ];
}

/** Opens a connection to QMP: a unix socket, or a TLS connection that proves both sides hold the key. */
export async function openQmpSocket(ep: QmpEndpoint): Promise<net.Socket> {
  if (ep.kind === 'unix') return net.connect({ path: ep.path });
  const psk = await readPsk(ep.pskFile);
  return tls.connect({
    host: ep.host,
    port: ep.port,
    ciphers: PSK_CIPHERS,
    maxVersion: 'TLSv1.2',
    pskCallback: () => ({ identity: PSK_IDENTITY, psk }),
    // No certificate: the key is the proof of who answers.
    checkServerIdentity: () => undefined,
  });
}

async function readPsk(file: string): Promise<Buffer> {
  const line = (await readFile(file, 'utf8')).trim();
  const m = new RegExp(`^${PSK_IDENTITY}:([0-9a-f]{64})$`).exec(line);
  if (!m) throw new Error(`QMP: the key file ${file} is not one Berth wrote`);
  return Buffer.from(m[1], 'hex');
}

/** Chooses the endpoint for a new QEMU and records what a fresh process cannot derive. */
export async function newQmpEndpoint(platform: NodeJS.Platform, files: MachineFiles): Promise<QmpEndpoint> {
  if (platform !== 'win32') return { kind: 'unix', path: files.qmpSocket };
  await mkdir(files.qmpKeyDir, { recursive: true, mode: 0o700 });
  // A new key for each QEMU: one that leaked from an earlier run opens nothing.
  await writeFile(files.qmpKeyFile, `${PSK_IDENTITY}:${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const ep: QmpEndpoint = {
    kind: 'tls',
    host: '127.0.0.1',
    port: await freePort(),
    pskDir: files.qmpKeyDir,
    pskFile: files.qmpKeyFile,
  };
  await writeFile(files.qmpEndpointFile, JSON.stringify({ kind: 'tls', port: ep.port }) + '\n', { mode: 0o600 });
  return ep;
}

/** The endpoint of the QEMU already running, or undefined if none was recorded. */
export async function currentQmpEndpoint(
  platform: NodeJS.Platform,
  files: MachineFiles,
): Promise<QmpEndpoint | undefined> {
  if (platform !== 'win32') return { kind: 'unix', path: files.qmpSocket };
  try {
    const rec = JSON.parse(await readFile(files.qmpEndpointFile, 'utf8')) as { kind?: unknown; port?: unknown };
    // An endpoint of the old plain-TCP kind is not used: that QEMU's monitor is open to anyone.
    if (rec.kind !== 'tls' || typeof rec.port !== 'number' || !Number.isInteger(rec.port)) return undefined;
    return { kind: 'tls', host: '127.0.0.1', port: rec.port, pskDir: files.qmpKeyDir, pskFile: files.qmpKeyFile };
  } catch {
    return undefined;
  }
}
