// The engine's side of the API contract: containers, images, volumes and what streams from them,
// in the shapes the dashboard shows (not the Docker API's own).

export interface PortBinding {
  privatePort: number;
  publicPort?: number;
  ip?: string;
  /** 'tcp', 'udp' or 'sctp' today; whatever the engine says, passed on as it is. */
  type: string;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  /** A ContainerState, or a state a newer engine names, passed on as it is. */
  state: string;
  /** The engine's own words, e.g. "Up 3 minutes", "Exited (0) 2 hours ago". */
  status: string;
  /** Seconds since the epoch. */
  created: number;
  ports: PortBinding[];
  /** com.docker.compose.project, when set. */
  project?: string;
  /** com.docker.compose.service, when set. */
  service?: string;
  command?: string;
}

export interface ImageSummary {
  id: string;
  tags: string[];
  digests: string[];
  size: number;
  created: number;
  /** Containers using it; -1 when the engine did not count. */
  containers: number;
  dangling: boolean;
}

export interface VolumeSummary {
  name: string;
  driver: string;
  mountpoint: string;
  createdAt?: string;
  /** Bytes, from /system/df; -1 when unknown. */
  size: number;
  /** Names of the containers that mount it. */
  usedBy: string[];
}

export interface PruneResult {
  deleted: string[];
  spaceReclaimed: number;
}

export interface RunSpec {
  image: string;
  name?: string;
  /** e.g. { container: "80/tcp", host: 8080 }; host omitted = a random host port. */
  ports: { container: string; host?: number }[];
  /** "KEY=value" lines. */
  env: string[];
  /** source: a volume name or an absolute path inside the VM. */
  volumes: { source: string; target: string; readOnly?: boolean }[];
  /** Optional command, split like a shell would (simple whitespace). */
  cmd?: string;
}

export interface EngineInfo {
  serverVersion: string;
  os: string;
  kernel: string;
  cpus: number;
  memTotal: number;
  containers: number;
  images: number;
  /** From /system/df: bytes used by images, containers and volumes. */
  diskUse?: { images: number; containers: number; volumes: number; buildCache: number };
}

export interface EngineEvent {
  /** container, image, volume, network, ... */
  type: string;
  action: string;
  id: string;
  /** Actor attributes: name, image, exitCode, ... */
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch, as the engine sends it (as a number may lose precision: display only). */
  timeNano: number;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 timestamp from the engine, when asked for. */
  ts?: string;
  text: string;
}

export interface StatsSample {
  /** Milliseconds since the epoch. */
  t: number;
  cpuPercent: number;
  memBytes: number;
  memLimit: number;
}

export interface PullProgress {
  /** Bytes downloaded so far, summed over all layers that report a size. */
  current: number;
  /** Sum of the known layer sizes; 0 until the first size is known. */
  total: number;
  layers: number;
  layersDone: number;
  /** Last status line from the engine ("Pulling fs layer", "Digest: ..."). */
  status: string;
}

export type ExecInput = { kind: 'stdin'; data: string } | { kind: 'resize'; cols: number; rows: number };
