// Every file in a machine's folder, by name, in one table: so that whoever writes a file and
// whoever reads, watches or removes it agree on its name, and a new file cannot take a name
// that is already used. Paths are relative to the machine folder, with '/' between parts;
// machineFile() makes them real paths. Temporary siblings (`<file>.<pid>.tmp` from
// writePrivateFile, `agent.pid.<pid>` and `agent.pid.takeover` from the agent lock,
// `saved-vm.json.tmp`) are named after the file they stand in for.
import * as path from 'node:path';

export const MACHINE_FILES = {
  /** The machine's settings (CPUs, memory, disk size, shared folders): written by Machines (create, set). */
  settings: 'machine.json',
  /** The VM's data disk (qcow2): made and grown by the driver (qemu-img), removed by the driver's delete. */
  disk: 'data.qcow2',
  /** The SSH key pair and pinned host key: kept across a delete that keeps the disk. */
  sshDir: 'ssh',
  /** Private key the agent logs into the VM with: written by base/ssh-keys (ensureUserKey). */
  sshKey: 'ssh/id_ed25519',
  /** Its public half, handed to the guest: written by base/ssh-keys with the private key. */
  sshPubKey: 'ssh/id_ed25519.pub',
  /**
   * The VM's SSH host key pair, made on the host when the machine is created (base/ssh-keys
   * ensureHostKey) and handed to the guest at each start; machines made before have none.
   */
  sshHostKey: 'ssh/host_ed25519_key',
  /** Its public half, from which known_host is pinned: written by base/ssh-keys with the private key. */
  sshHostPubKey: 'ssh/host_ed25519_key.pub',
  /**
   * The VM's pinned SSH host key fingerprint: written by base/ssh-keys from the host key pair at
   * creation, or, for a machine made before, from the key the guest showed first (trust on first use).
   */
  knownHost: 'ssh/known_host',
  /**
   * The secret of the engine's direct path (32 random bytes in hex, 0600): made on the host by
   * base/engine-secret at the machine's first start and kept; the guest is handed a copy (fw_cfg)
   * and the host agent sends it first on every connection to the guest's engine proxy.
   */
  engineSecret: 'engine-secret',
  /** The host agent's pid: the agent's lock (agent/lock), written by the agent at its start. */
  agentPid: 'agent.pid',
  /** The host agent's control socket (a named pipe on Windows): opened by the agent's control server. */
  agentSock: 'agent.sock',
  /** The host agent's log: appended by the agent, its stdout and stderr when it is launched. */
  agentLog: 'agent.log',
  /** Facts about the running VM (ports, accelerator): written by the agent (base/runtime), removed at stop. */
  runtime: 'runtime.json',
  /** Why the last start or run failed: written by the agent, read and cleared by Machines. */
  lastError: 'last-error.json',
  /** The forwarded Docker engine socket (a named pipe on Windows): opened by the agent. */
  dockerSock: 'docker.sock',
  /**
   * The VM's serial console: written by QEMU (rotated by the QEMU driver at each launch), or by
   * VirtualBox's first serial port (the VirtualBox driver points it here).
   */
  console: 'console.log',
  /** The previous launch's console, kept so a failed boot can be read after a retry: QEMU driver. */
  consoleOld: 'console.log.1',
  /** QEMU's pid: written by QEMU (-pidfile), removed by the QEMU driver when it stops. */
  qemuPid: 'qemu.pid',
  /** QEMU's stdout and stderr: written by QEMU (the driver's launch points them there). */
  qemuStderr: 'qemu.stderr.log',
  /** QEMU's QMP control socket (not on Windows): opened by QEMU. */
  qmpSock: 'qmp.sock',
  /** Windows only: the port QMP listens on (behind TLS): written by the QEMU driver at launch. */
  qmpEndpoint: 'qmp.endpoint.json',
  /** Windows only: the folder QEMU reads QMP's TLS key from: QEMU driver. */
  qmpKeyDir: 'qmp-key',
  /** Windows only: QMP's TLS pre-shared key, new at each launch (QEMU's name for the file): QEMU driver. */
  qmpKeyFile: 'qmp-key/keys.psk',
  /** The running QEMU's accelerator, argv and fit: written by the QEMU driver at launch. */
  qemuLaunch: 'qemu.launch.json',
  /** Files handed to the guest (fw_cfg): written by the QEMU driver at each start. */
  guestDir: 'guest',
  /** The guest's authorized SSH keys: QEMU driver. */
  guestAuthorizedKeys: 'guest/authorized_keys',
  /** The guest's Docker daemon.json: QEMU driver. */
  guestDaemonJson: 'guest/daemon.json',
  /** The shared folders' mount tags and guest paths: QEMU driver. */
  guestShares: 'guest/shares',
  /** The VM's private SSH host key (a copy of ssh/host_ed25519_key), when the machine has one: QEMU driver. */
  guestHostKey: 'guest/ssh_host_key',
  /** The engine proxy's secret (a copy of engine-secret), when the machine has one: QEMU driver. */
  guestEngineSecret: 'guest/engine_secret',
  /** The saved VM's memory and device state: QEMU's migration stream, renamed into place by the QEMU driver. */
  savedState: 'saved-vm.state',
  /** That stream while QEMU still writes it: created by the QEMU driver, written by QEMU. */
  savedPartial: 'saved-vm.state.partial',
  /** What the saved memory fits (SavedVmMeta): written by the QEMU driver once the stream is whole. */
  savedMeta: 'saved-vm.json',
  /**
   * VirtualBox machines: the data disk in VirtualBox's own format (VDI), made and grown by the
   * VirtualBox driver (VBoxManage createmedium, modifymedium --resize), kept like data.qcow2.
   */
  vboxDisk: 'data.vdi',
  /** The folder VirtualBox keeps the VM's settings (.vbox) and its logs in (createvm --basefolder). */
  vboxDir: 'vbox',
  /**
   * The config disk a VirtualBox guest reads instead of fw_cfg (driver/virtualbox/config-disk.ts):
   * written raw by the driver at each boot, 0600, removed once converted.
   */
  vboxConfigRaw: 'config-disk.img',
  /** That disk as VirtualBox takes it (convertfromraw), 0600, attached on the SATA controller. */
  vboxConfigDisk: 'config-disk.vdi',
} as const;

export type MachineFileKey = keyof typeof MACHINE_FILES;

/**
 * The files of the machine folder whose change can mean a new state, each for
 * its own reason:
 * - machine.json: the machine was created (or removed); its settings are part of the status.
 * - agent.pid: a host agent took the machine or let it go (`berth up`/`down` in a terminal, a crash).
 * - agent.sock: the agent now answers, so it can be attached to and followed. On Windows it is a
 *   named pipe outside the folder; agent.pid and runtime.json stand in for it there.
 * - runtime.json: a VM was started or has stopped; it is how a VM left without its agent (broken) shows.
 * - last-error.json: a failed start's report, which a stopped machine's status carries.
 * Not these: docker.sock comes and goes within a start or stop whose state the agent already
 * announces in its status events (and a forward that reconnects changes no state; on Windows it is
 * a pipe too); the logs are written constantly; the disk, the SSH keys and the driver's own files
 * (its pid, QMP socket, saved memory) change along with runtime.json or the agent's status, or
 * change nothing the status reports as a state.
 */
export const MACHINE_STATE_FILES: readonly string[] = [
  MACHINE_FILES.settings,
  MACHINE_FILES.agentPid,
  MACHINE_FILES.agentSock,
  MACHINE_FILES.runtime,
  MACHINE_FILES.lastError,
];

/** The path of one of the table's files inside the machine folder `dir`. */
export function machineFile(dir: string, key: MachineFileKey, p: path.PlatformPath = path): string {
  return p.join(dir, ...MACHINE_FILES[key].split('/'));
}
