// The host agent's heart: one per machine, it owns the VM, the SSH connection
// and the Docker socket forward. `up` runs named, timed steps; a second `up`
// while one is under way joins it; `down` stops cleanly. What it reports is
// what it observed: the VM process, the SSH handshake, the engine's /_ping.
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { Driver } from '../driver/driver';
import type { VmSpec } from '../base/vm-types';
import { registerDockerContext } from '../base/docker-context';
import { firstLine, oneLine, UserError } from '../base/errors';
import { readIfExists, tail, writePrivateFile } from '../base/files';
import type { LocatedImage } from '../base/image';
import { AgentStatus, ProblemReport, STEP_LABELS, STEP_ORDER, Step, StepId } from '../base/machine-types';
import { freePort } from '../base/net';
import { dockerHost, MachinePaths } from '../base/paths';
import { readRuntime, writeRuntime } from '../base/runtime';
import type { MachineSettings } from '../base/settings/schema';
import { hostKeyVerifier } from '../base/ssh-keys';
import { vmSpec } from '../base/vm-spec';
import { EngineSocket, GUEST_DOCKER_SOCK, pingOver } from './engine-socket';
import { GuestClock } from './guest-clock';
import { PortForwarder } from './port-forwarder';
import { PortWatch } from './port-watch';
import { SshLink } from './ssh-link';
import * as path from 'node:path';
import * as fs from 'node:fs';

export interface AgentDeps {
  name: string;
  paths: MachinePaths;
  driver: Driver;
  settings: () => MachineSettings;
  image: () => LocatedImage;
  keys: () => { privateKey: string; publicKey: string };
  log: (msg: string) => void;
  /** How long each readiness wait may take (TCG is slow). */
  timeouts?: { ssh?: number; engine?: number; stop?: number };
}

const freshSteps = (): Step[] => STEP_ORDER.map((id) => ({ id, label: STEP_LABELS[id], status: 'pending' }));

export class MachineAgent extends EventEmitter {
  status: AgentStatus = { state: 'stopped', steps: freshSteps(), agentPid: process.pid };
  private link?: SshLink;
  private socket?: EngineSocket;
  private ports?: { forwarder: PortForwarder; watch: PortWatch };
  private clock?: GuestClock;
  private spec?: VmSpec;
  private upRun?: Promise<AgentStatus>;
  private downRun?: Promise<AgentStatus>;
  private watchTimer?: NodeJS.Timeout;

  constructor(private readonly d: AgentDeps) {
    super();
  }

  private publish(patch: Partial<AgentStatus>): void {
    this.status = { ...this.status, ...patch };
    this.emit('status', this.status);
  }

  private setStep(id: StepId, patch: Partial<Step>): void {
    const steps = this.status.steps.map((s) => (s.id === id ? { ...s, ...patch } : s));
    this.status = { ...this.status, steps };
    const step = steps.find((s) => s.id === id)!;
    this.emit('step', step);
    if (patch.status === 'done')
      this.d.log(`step ${step.label}: ${step.ms} ms${step.detail ? ` (${step.detail})` : ''}`);
  }

  private async step<T>(id: StepId, fn: () => Promise<T>, detail?: (r: T) => string | undefined): Promise<T> {
    const t0 = Date.now();
    this.setStep(id, { status: 'running' });
    try {
      const r = await fn();
      this.setStep(id, { status: 'done', ms: Date.now() - t0, detail: detail?.(r) });
      return r;
    } catch (e) {
      this.setStep(id, { status: 'failed', ms: Date.now() - t0, detail: oneLine(e) });
      (e as any).step = id;
      throw e;
    }
  }

  /** Starts the machine, or joins the start already under way. */
  up(): Promise<AgentStatus> {
    // An agent on its way out must not start a VM it will not stay to own (the client then
    // starts a new agent). Checked again for an up that waited for a stop to finish.
    if (this.retiring)
      return Promise.reject(new UserError('the host agent is exiting: try again', { code: 'EAGENTEXIT' }));
    if (this.status.state === 'running') return Promise.resolve(this.status);
    if (this.downRun) return this.downRun.then(() => this.up());
    if (!this.upRun) this.upRun = this.runUp().finally(() => (this.upRun = undefined));
    return this.upRun;
  }

  private retiring = false;

  /** From now on this agent starts nothing: it is leaving (SIGTERM, or its VM stopped and no start waits). */
  retire(): void {
    this.retiring = true;
  }

  private async runUp(): Promise<AgentStatus> {
    const t0 = Date.now();
    this.publish({
      state: 'starting',
      steps: freshSteps(),
      error: undefined,
      startedAt: new Date().toISOString(),
      readyAt: undefined,
    });
    this.d.log('up: starting');
    try {
      const settings = this.d.settings();
      const image = await this.step(
        'image',
        async () => {
          // A missing QEMU is the first thing a new user may hit: say how to install it.
          await this.d.driver.validate();
          return this.d.image();
        },
        (i) => `${(i.sizeBytes / 1e6).toFixed(1)} MB`,
      );
      const keys = this.d.keys();
      let resumed = false;
      let reattached = false;
      const adopted = readRuntime(this.d.paths);
      const prior = adopted ? vmSpec(this.d.name, this.d.paths, settings, image, adopted, keys.publicKey) : undefined;
      if (prior && (await this.d.driver.inspect(prior)) === 'running') {
        // The VM outlived an earlier agent: take it over instead of starting another.
        this.spec = prior;
        reattached = true;
        this.setStep('disk', { status: 'done', ms: 0, detail: 'VM already running' });
        this.setStep('boot', { status: 'done', ms: 0, detail: 'reattached to the running VM' });
        this.publish({
          accel: adopted!.accel,
          note: adopted!.note,
          sshPort: adopted!.sshPort,
          vmPid: await this.d.driver.pid(prior),
        });
      } else {
        const ports = {
          sshPort: await freePort(),
          engineTcpPort: settings.engine.tcpForBenchmark ? await freePort() : undefined,
        };
        const spec = vmSpec(this.d.name, this.d.paths, settings, image, ports, keys.publicKey);
        this.spec = spec;
        await this.step(
          'disk',
          () => this.d.driver.createDisk(spec),
          () => `${settings.diskGiB} GiB`,
        );
        const started = await this.step(
          'boot',
          () => this.d.driver.start(spec, (m) => this.note(m)),
          (r) => `${r.accel}${r.resumed ? ', resumed from saved memory' : ''}${r.note ? `; ${r.note}` : ''}`,
        );
        writeRuntime(this.d.paths, {
          ...ports,
          accel: started.accel,
          note: started.note,
          startedAt: new Date().toISOString(),
        });
        this.publish({
          accel: started.accel,
          note: started.note,
          sshPort: ports.sshPort,
          vmPid: await this.d.driver.pid(spec),
        });
        resumed = started.resumed === true;
      }
      this.watchVm();
      await this.step('ssh', () => this.connectSsh(keys.privateKey, resumed));
      // Alongside the engine check: the clock and the shared folders of a resumed guest.
      const settled = resumed ? this.settleResumed() : undefined;
      await this.step('engine', () => this.waitEngine());
      await settled;
      await this.step('socket', () => this.openSocket());
      this.forwardPorts();
      this.keepClock(reattached);
      // Registered before "running" so `docker --context berth` works as soon as up returns.
      this.d.log(await registerDockerContext(this.d.name, dockerHost(this.d.paths)));
      this.publish({ state: 'running', readyAt: new Date().toISOString() });
      this.d.log(`up: running after ${Date.now() - t0} ms`);
      return this.status;
    } catch (e) {
      const report = this.problem(e);
      this.d.log(`up failed: ${report.message}`);
      await this.teardown(true);
      this.publish({ state: 'stopped', error: report, vmPid: undefined });
      writePrivateFile(path.join(this.d.paths.dir, 'last-error.json'), JSON.stringify(report, null, 2));
      throw e;
    }
  }

  private note(m: string): void {
    this.d.log(m);
    this.emit('note', m);
  }

  private problem(e: unknown): ProblemReport {
    const details = [
      (e as UserError).details,
      '--- VM console (last lines) ---',
      tail(this.d.paths.consoleLog, 25),
      '--- agent log (last lines) ---',
      tail(this.d.paths.agentLog, 15),
    ]
      .filter(Boolean)
      .join('\n');
    return { message: oneLine(e), details, step: (e as any).step };
  }

  /**
   * Waits for a line the guest prints on its serial console (see
   * vm-images/README.md). Dialing SSH before sshd exists costs a whole
   * handshake timeout under QEMU's user networking, so the marker saves
   * seconds; if it never shows (an older image), we dial anyway.
   */
  private async consoleMarker(marker: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((readIfExists(this.d.paths.consoleLog) ?? '').includes(marker)) return true;
      await sleep(100);
    }
    return false;
  }

  private async connectSsh(privateKey: string, resumed: boolean): Promise<void> {
    // A resumed guest prints nothing: its sshd has been listening since before it was saved.
    if (!resumed && !(await this.consoleMarker('berth: sshd started', 60000)))
      this.d.log('no "sshd started" line on the console; dialing SSH anyway');
    const link = new SshLink({
      port: this.status.sshPort!,
      privateKey,
      hostVerifier: hostKeyVerifier(this.d.paths, (msg) => {
        this.d.log(msg);
        setImmediate(() => link.fail(new UserError(msg, { code: 'EHOSTKEY' })));
      }),
      log: (m) => this.d.log(m),
    });
    this.link = link;
    await withTimeout(link.connect(), this.d.timeouts?.ssh ?? 180000, 'the VM did not answer SSH');
  }

  /**
   * A resumed guest's clock stood still while it was saved (TLS needs it right), and the shared
   * folders the suspend unmounted come back. Not fatal: the engine works without either.
   */
  private async settleResumed(): Promise<void> {
    try {
      const r = await withTimeout(
        this.link!.exec(`/etc/berth/resume ${Math.round(Date.now() / 1000)}`),
        30000,
        'the guest did not finish resuming',
      );
      if (r.code !== 0) throw new Error(firstLine(r.stdout + r.stderr) || `exit code ${r.code}`);
    } catch (e) {
      this.note(
        `After the resume, setting the guest's clock or mounting the shared folders failed (${oneLine(e)}): "berth restart" boots afresh`,
      );
    }
  }

  private async waitEngine(): Promise<void> {
    const deadline = Date.now() + (this.d.timeouts?.engine ?? 180000);
    for (;;) {
      try {
        if (await pingOver(await this.link!.openSocket(GUEST_DOCKER_SOCK), 3000)) return;
      } catch {
        // Socket not there yet: dockerd is still starting.
      }
      if (Date.now() > deadline)
        throw new UserError('the Docker engine in the VM did not start: see the VM console in "berth logs"');
      await sleep(250);
    }
  }

  private async openSocket(): Promise<void> {
    const link = this.link!;
    const socket = new EngineSocket(
      this.d.paths.dockerSock,
      () => link.openSocket(GUEST_DOCKER_SOCK),
      (m) => this.d.log(m),
    );
    link.on('down', () => socket.dropChannels());
    this.socket = socket;
    await this.socket.listen();
    const ok = await httpPing(this.d.paths.dockerSock);
    if (!ok) throw new UserError(`the Docker socket ${this.d.paths.dockerSock} did not answer`);
  }

  /**
   * The guest's clock follows the host's: after the host slept, every few minutes, and whenever
   * the SSH connection comes back (a sleep often cuts it). A fresh boot takes the host's time from
   * the VM's clock chip and a resume sets it (/etc/berth/resume): no check then; a VM an earlier
   * agent left running is checked at once.
   */
  private keepClock(reattached: boolean): void {
    const link = this.link!;
    const clock = new GuestClock({ exec: (command) => link.exec(command), log: (m) => this.d.log(m) });
    link.on('up', () => void clock.check('the SSH connection came back'));
    this.clock = clock;
    clock.start();
    if (reattached) void clock.check('reattached to a running VM');
  }

  /** Published container ports follow the engine onto the host's loopback (not a step: up does not wait for it). */
  private forwardPorts(): void {
    const link = this.link!;
    const { driver } = this.d;
    const spec = this.spec!;
    const udp =
      driver.forwardUdp && driver.unforwardUdp
        ? {
            open: (port: number) => driver.forwardUdp!(spec, port, port),
            close: (port: number) => driver.unforwardUdp!(spec, port),
          }
        : undefined;
    const forwarder = new PortForwarder({
      dial: (host, port) => link.openTcp(host, port),
      udp,
      log: (m) => this.d.log(m),
    });
    const watch = new PortWatch(
      this.d.paths.dockerSock,
      forwarder,
      () => this.publish({ ports: forwarder.list() }),
      (m) => this.d.log(m),
    );
    this.ports = { forwarder, watch };
    watch.start();
  }

  /** Notices a VM that went away by itself (crash, kill -9, guest poweroff). */
  private watchVm(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = setInterval(async () => {
      if (!this.spec || this.downRun) return;
      if ((await this.d.driver.inspect(this.spec)) === 'running') return;
      clearInterval(this.watchTimer);
      this.d.log('the VM stopped on its own (its process exited)');
      this.link?.fail(new Error('the VM stopped'));
      await this.teardown(false);
      this.publish({
        state: 'stopped',
        vmPid: undefined,
        error:
          this.status.state === 'running'
            ? { message: 'the VM stopped unexpectedly', details: tail(this.d.paths.consoleLog, 25) }
            : this.status.error,
      });
      this.emit('stopped');
    }, 1000);
  }

  /**
   * Stops the machine. With save (the default) its memory is saved when the driver can, so the
   * next up resumes it in about a second; when that cannot be done it is shut down, as without.
   * A down already under way is joined, whichever way it stops.
   */
  down(save = true): Promise<AgentStatus> {
    if (!this.downRun) this.downRun = this.runDown(save).finally(() => (this.downRun = undefined));
    return this.downRun;
  }

  private async runDown(save: boolean): Promise<AgentStatus> {
    const spec = this.spec ?? this.adoptedSpec();
    // Only a machine that is up can be saved: one still starting has no guest ready to sync.
    const saving = save && this.status.state === 'running';
    this.publish({ state: 'stopping' });
    this.d.log('down: stopping');
    clearInterval(this.watchTimer);
    this.clock?.stop();
    // Close the socket first so no client starts work that the stop would cut.
    await this.closePorts();
    await this.socket?.close();
    this.socket = undefined;
    if (spec && (await this.d.driver.inspect(spec)) === 'running') {
      if (!(saving && (await this.suspend(spec)))) await this.d.driver.stop(spec, this.d.timeouts?.stop ?? 30000);
    } else if (spec && !save) {
      await this.d.driver.discardSaved?.(spec);
    }
    if (this.upRun) await this.upRun.catch(() => undefined);
    await this.teardown(false);
    this.publish({ state: 'stopped', vmPid: undefined, steps: freshSteps() });
    this.d.log('down: stopped');
    this.emit('stopped');
    return this.status;
  }

  /** Saves the running VM's memory for the next up; false (with a note) when it could not. */
  private async suspend(spec: VmSpec): Promise<boolean> {
    const { driver } = this.d;
    if (!driver.suspend || !this.link) return false;
    try {
      this.note("Saving the machine's memory");
      // The guest syncs its disk and lets go of what QEMU cannot save (see /etc/berth/suspend).
      // From /: a session starts in root's home, which a shared home folder (/root) may be.
      const r = await withTimeout(
        this.link.exec('cd / && exec /etc/berth/suspend'),
        30000,
        'the guest did not get ready to be saved',
      );
      if (r.code !== 0) throw new Error(firstLine(r.stdout + r.stderr) || `exit code ${r.code}`);
      this.link.close();
      await driver.suspend(spec);
      this.note("The machine's memory is saved: the next up resumes it");
      return true;
    } catch (e) {
      this.note(`The machine's memory could not be saved (${oneLine(e)}): shutting it down instead`);
      return false;
    }
  }

  private adoptedSpec(): VmSpec | undefined {
    const rt = readRuntime(this.d.paths);
    if (!rt) return undefined;
    try {
      return vmSpec(this.d.name, this.d.paths, this.d.settings(), this.d.image(), rt, '');
    } catch {
      return undefined;
    }
  }

  private async closePorts(): Promise<void> {
    const p = this.ports;
    this.ports = undefined;
    if (!p) return;
    p.watch.stop();
    await p.forwarder.close();
    this.publish({ ports: undefined });
  }

  private async teardown(killVm: boolean): Promise<void> {
    clearInterval(this.watchTimer);
    this.clock?.stop();
    this.clock = undefined;
    await this.closePorts();
    this.link?.close();
    this.link = undefined;
    await this.socket?.close();
    this.socket = undefined;
    if (killVm && this.spec && (await this.d.driver.inspect(this.spec)) === 'running')
      await this.d.driver.kill(this.spec);
    fs.rmSync(path.join(this.d.paths.dir, 'runtime.json'), { force: true });
  }

  /** For tests and diagnostics: the live SSH link, if any. */
  get ssh(): SshLink | undefined {
    return this.link;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new UserError(`${what} within ${Math.round(ms / 1000)} s: see the VM console in "berth logs"`)),
      ms,
    );
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

/** GET /_ping through the host socket, exactly as a docker client would. */
export function httpPing(socketPath: string, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
