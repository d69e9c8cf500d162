// Keeps the host's port forwards in step with the engine, with no polling: it
// follows the engine's container events and, after each start or stop, lists
// the running containers once and hands what they publish to the forwarder.
// If the event stream breaks (SSH reconnect, dockerd restart) it subscribes
// again and starts from a fresh list, so nothing is missed for long.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { onJsonLines } from '../base/ndjson';
import { EngineContainer, wantedPorts } from './published-ports';
import type { PortForwarder } from './port-forwarder';

/** Container events after which the published ports may have changed. */
const PORT_EVENTS = ['start', 'die'];

/**
 * The fields read from one line of the engine's event stream (dockerode leaves it untyped).
 * Older engines name the container `id` and the action `status`.
 */
interface EngineEvent {
  Actor?: { ID?: string };
  Action?: string;
  id?: string;
  status?: string;
}

export class PortWatch {
  /** Made at the first subscription: dockerode takes ~80 ms to load, which would delay the agent's start. */
  private docker?: Docker;
  private stream?: Readable;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;
  /**
   * Containers the engine said died. dockerd 20.10 sends "die" before it marks the
   * container stopped, so a list made just after still says running: the event wins.
   */
  private readonly exited = new Set<string>();

  constructor(
    private readonly socketPath: string,
    private readonly forwarder: PortForwarder,
    private readonly onChange: () => void,
    private readonly log: (msg: string) => void,
  ) {}

  private async engine(): Promise<Docker> {
    this.docker ??= new (await import('dockerode')).default({ socketPath: this.socketPath });
    return this.docker;
  }

  start(): void {
    this.stopped = false;
    void this.follow();
  }

  private async follow(): Promise<void> {
    if (this.stopped) return;
    try {
      // Subscribe first, then list: a change between the two is seen by the
      // stream, so the list can never be older than what follows it.
      const docker = await this.engine();
      const stream = (await docker.getEvents({
        filters: { type: ['container'], event: PORT_EVENTS },
      })) as unknown as Readable;
      if (this.stopped) return void stream.destroy();
      this.stream = stream;
      onJsonLines(stream, (m) => {
        const ev = m as EngineEvent | null;
        const id = ev?.Actor?.ID ?? ev?.id;
        const action = ev?.Action ?? ev?.status;
        if (id && action === 'die') this.exited.add(id);
        if (id && action === 'start') this.exited.delete(id);
        this.soon();
      });
      stream.on('error', () => undefined);
      stream.on('close', () => this.again());
      await this.sync();
    } catch (e) {
      this.log(`ports: cannot follow the engine's events (${(e as Error).message}); trying again`);
      this.again();
    }
  }

  private again(): void {
    this.stream = undefined;
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.follow();
    }, 1000);
  }

  /** Several events in a burst (compose up) make one list. */
  private soon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.sync();
    }, 50);
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    try {
      const listed = (await (await this.engine()).listContainers()) as EngineContainer[];
      if (this.stopped) return;
      const ids = new Set(listed.map((c) => c.Id));
      for (const id of this.exited) if (!ids.has(id)) this.exited.delete(id);
      await this.forwarder.apply(wantedPorts(listed.filter((c) => !c.Id || !this.exited.has(c.Id))));
      this.onChange();
    } catch (e) {
      this.log(`ports: cannot list containers (${(e as Error).message})`);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.pending);
    this.stream?.destroy();
  }
}
