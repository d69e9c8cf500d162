// The files the QEMU driver owns inside a machine's folder: its view of the machine folder's
// table (base/machine-files), so start, inspect and delete agree, and delete removes only what
// the driver made.
import * as path from 'node:path';
import { machineFile } from '../../base/machine-files';

export interface MachineFiles {
  dataDisk: string;
  pidfile: string;
  console: string;
  consoleOld: string;
  stderrLog: string;
  qmpSocket: string;
  /** Windows only: where QMP listens (TCP port chosen at start, behind TLS). */
  qmpEndpointFile: string;
  /** Windows only: the folder of QMP's TLS key, and the key. */
  qmpKeyDir: string;
  qmpKeyFile: string;
  /** The accelerator and argv of the running QEMU, for diagnostics and an idempotent start. */
  launchFile: string;
  guestDir: string;
  authorizedKeys: string;
  daemonJson: string;
  /** The shared folders' mount tags and guest paths, one "tag<TAB>path" a line. */
  shares: string;
  /** The VM's private SSH host key, when the machine has one (guestConfig.hostKey). */
  hostKey: string;
  /** The engine proxy's secret, when the machine has a direct path (guestConfig.engineSecret). */
  engineSecret: string;
}

export function machineFiles(dir: string, p: path.PlatformPath = path): MachineFiles {
  return {
    dataDisk: machineFile(dir, 'disk', p),
    pidfile: machineFile(dir, 'qemuPid', p),
    console: machineFile(dir, 'console', p),
    consoleOld: machineFile(dir, 'consoleOld', p),
    stderrLog: machineFile(dir, 'qemuStderr', p),
    qmpSocket: machineFile(dir, 'qmpSock', p),
    qmpEndpointFile: machineFile(dir, 'qmpEndpoint', p),
    qmpKeyDir: machineFile(dir, 'qmpKeyDir', p),
    qmpKeyFile: machineFile(dir, 'qmpKeyFile', p),
    launchFile: machineFile(dir, 'qemuLaunch', p),
    guestDir: machineFile(dir, 'guestDir', p),
    authorizedKeys: machineFile(dir, 'guestAuthorizedKeys', p),
    daemonJson: machineFile(dir, 'guestDaemonJson', p),
    shares: machineFile(dir, 'guestShares', p),
    hostKey: machineFile(dir, 'guestHostKey', p),
    engineSecret: machineFile(dir, 'guestEngineSecret', p),
  };
}
