// The words every part of Berth uses for a machine's life: the CLI, the host
// agent, the desktop app and the browser mode all speak these types.
import type { Arch } from './arch';
import type { DriverName } from './vm-types';

export type MachineState = 'not created' | 'stopped' | 'starting' | 'running' | 'stopping' | 'broken';

export type StepId = 'image' | 'disk' | 'boot' | 'ssh' | 'engine' | 'socket';

export const STEP_LABELS: Record<StepId, string> = {
  image: 'image ready',
  disk: 'disk ready',
  boot: 'VM booting',
  ssh: 'SSH ready',
  engine: 'engine ready',
  socket: 'socket ready',
};

export const STEP_ORDER: StepId[] = ['image', 'disk', 'boot', 'ssh', 'engine', 'socket'];

export interface Step {
  id: StepId;
  label: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  /** Milliseconds the step took (or has taken so far when it failed). */
  ms?: number;
  detail?: string;
}

export interface ProblemReport {
  message: string;
  /** The tail of the VM console and the agent log: one click away, not in the way. */
  details?: string;
  step?: StepId;
}

/**
 * A port a running container publishes, and whether the host agent carries it
 * to the host's loopback (the way Docker Desktop and Lima do).
 */
export interface ForwardedPort {
  /** The port on the host's loopback, 127.0.0.1 and ::1 (UDP: 127.0.0.1); the same number the container publishes in the VM. */
  hostPort: number;
  protocol: 'tcp' | 'udp';
  /** Container name (without the leading slash) and the port inside it. */
  container: string;
  containerPort: number;
  /** Why it is not forwarded: the host port is taken, or (UDP) the hypervisor cannot forward it. */
  error?: string;
}

/** What the host agent knows, all of it observed. */
export interface AgentStatus {
  state: Exclude<MachineState, 'not created'>;
  steps: Step[];
  error?: ProblemReport;
  accel?: string;
  note?: string;
  sshPort?: number;
  agentPid: number;
  vmPid?: number;
  startedAt?: string;
  readyAt?: string;
  /** Published container ports and their forwards to the host (running machine only). */
  ports?: ForwardedPort[];
}

export interface MachineStatus {
  name: string;
  state: MachineState;
  /** Why the state is what it is, when that is not obvious (broken, last failure). */
  reason?: string;
  dockerHost?: string;
  cpus?: number;
  memoryMiB?: number;
  diskGiB?: number;
  /** The machine's CPU architecture (x86_64, aarch64). */
  arch?: Arch;
  /** The hypervisor that runs it (qemu, virtualbox). */
  driver?: DriverName;
  /** Host folders shared with the machine (from the settings, "~" resolved). */
  shares?: string[];
  agent?: AgentStatus;
  lastError?: ProblemReport;
  /** A stopped machine's saved memory: its next up resumes it instead of booting. */
  saved?: { savedAt: string; bytes: number };
}
