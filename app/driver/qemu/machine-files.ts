// The files the QEMU driver owns inside a machine's folder. One place, so start,
// inspect and delete agree, and delete removes only what the driver made.
import * as path from 'node:path';

export interface MachineFiles {
  dataDisk: string;
  pidfile: string;
  console: string;
  consoleOld: string;
  stderrLog: string;
  qmpSocket: string;
  /** Windows only: where QMP listens (TCP port chosen at start). */
  qmpEndpointFile: string;
  /** The accelerator and argv of the running QEMU, for diagnostics and an idempotent start. */
  launchFile: string;
  guestDir: string;
  authorizedKeys: string;
  daemonJson: string;
  /** The shared folders' mount tags and guest paths, one "tag<TAB>path" a line. */
  shares: string;
}

export function machineFiles(dir: string, p: path.PlatformPath = path): MachineFiles {
  const guestDir = p.join(dir, 'guest');
  return {
    dataDisk: p.join(dir, 'data.qcow2'),
    pidfile: p.join(dir, 'qemu.pid'),
    console: p.join(dir, 'console.log'),
    consoleOld: p.join(dir, 'console.log.1'),
    stderrLog: p.join(dir, 'qemu.stderr.log'),
    qmpSocket: p.join(dir, 'qmp.sock'),
    qmpEndpointFile: p.join(dir, 'qmp.endpoint.json'),
    launchFile: p.join(dir, 'qemu.launch.json'),
    guestDir,
    authorizedKeys: p.join(guestDir, 'authorized_keys'),
    daemonJson: p.join(guestDir, 'daemon.json'),
    shares: p.join(guestDir, 'shares'),
  };
}
