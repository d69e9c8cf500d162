// The host agent's heart: one per machine, it owns the VM, the SSH connection
// and the Docker socket forward. `up` runs named, timed steps; a second `up`
// while one is under way joins it; `down` stops cleanly. What it reports is
// what it observed: the VM process, the SSH handshake, the engine's /_ping.
// Whatever it starts adds its closer (closers.ts): a down, a failed up and a VM
// that stopped by itself all undo the same list, last started first.
import { EventEmitter } from 'node:events';
import type { Driver } from '../driver/driver';
import type { VmSpec } from '../base/vm-types';
import type { Arch } from '../base/arch';
import { registerDockerContext } from '../base/docker-context';
import { isUserError, oneLine, UserError } from '../base/errors';
import { tail, writePrivateFile } from '../base/files';
import type { LocatedImage } from '../base/image';
import { AgentStatus, ProblemReport, STEP_LABELS, STEP_ORDER, Step, StepId } from '../base/machine-types';
import { freePort } from '../base/net';
import { dockerHost, MachinePaths } from '../base/paths';
import { machineFile } from '../base/machine-files';
import { clearRuntime, readRuntime, writeRuntime } from '../base/runtime';
import type { MachineSettings } from '../base/settings/schema';
import { hostKeyVerifier } from '../base/ssh-keys';
import { vmSpec } from '../base/vm-spec';
import { Closers, type CloseReason } from './closers';
import { openDirect } from './engine-direct';
import { EngineRoute } from './engine-route';
import { EngineSocket, GUEST_DOCKER_SOCK } from './engine-socket';
import type { ConnectGuest, GuestLink } from './guest-link';
import { GuestClock } from './guest-clock';
import { forwardPublishedPorts } from './port-forwarding';
import { watchHostDisk } from './host-disk-watch';
import { guestReadyToSave, saveMemory } from './save-memory';
import { SshLink } from './ssh-link';
import { consoleLine, engineAnswers, guestScript, httpPing, withTimeout } from './waits';

export interface AgentDeps {
  name: string;
  paths: MachinePaths;
  driver: Driver;
  settings: () => MachineSettings;
  /** The image of the machine's architecture. */
  image: (arch: Arch) => LocatedImage;
  keys: () => { privateKey: string; publicKey: string };
  log: (msg: string) => void;
  /** How long each readiness wait may take (TCG is slow). */
  timeouts?: { ssh?: number; engine?: number; stop?: number };
  /** The connection to the guest; SSH by default. */
  connect?: ConnectGuest;
  /**
   * Also forward an unauthenticated engine TCP listener to the host's loopback. Only the
   * benchmark asks for it, through the agent process's environment (bench-engine-tcp.ts).
   */
  engineTcpForBenchmark?: boolean;
  /**
   * The machine's secret for the engine's direct path (base/engine-secret), made when missing.
   * Without it the Docker socket goes through SSH alone.
   */
  engineSecret?: () => string;
}

const freshSteps = (): Step[] => STEP_ORDER.map((id) => ({ id, label: STEP_LABELS[id], status: 'pending' }));

/** The step an error of `up` came from, for its problem report (the error itself goes on unchanged). */
const failedStep = new WeakMap<object, StepId>();
const stepOf = (e: unknown): StepId | undefined => (e instanceof Object ? failedStep.get(e) : undefined);

export class MachineAgent extends EventEmitter {
  status: AgentStatus = { state: 'stopped', steps: freshSteps(), agentPid: process.pid };
  private link?: GuestLink;
  private engineSocket?: EngineSocket;
  private spec?: VmSpec;
  private upRun?: Promise<AgentStatus>;
  private downRun?: Promise<AgentStatus>;
  private readonly closers: Closers;

  constructor(private readonly d: AgentDeps) {
    super();
    this.closers = new Closers(d.log);
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
      if (e instanceof Object) failedStep.set(e, id);
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
    this.closeRuntimeFile();
    try {
      const settings = this.d.settings();
      const image = await this.step(
        'image',
        async () => {
          // A machine that boots an ISO (VirtualBox's) hears first when its image has none, which
          // no image has yet; otherwise a missing QEMU is the first thing a new user may hit: say
          // how to install it.
          const iso = this.d.driver.bootsIso ? this.d.image(settings.arch) : undefined;
          await this.d.driver.validate(settings.arch);
          return iso ?? this.d.image(settings.arch);
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
        this.ownVm(prior);
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
        // The secret exists before the spec is made: the spec hands it to the guest.
        const direct = this.d.engineSecret?.() !== undefined;
        const ports = {
          sshPort: await freePort(),
          engineTcpPort: this.d.engineTcpForBenchmark ? await freePort() : undefined,
          enginePort: direct ? await freePort() : undefined,
        };
        const spec = vmSpec(this.d.name, this.d.paths, settings, image, ports, keys.publicKey);
        this.ownVm(spec);
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
      // A VM taken over from an earlier agent has had its sshd for long: its console may not say
      // so (a VM that was resumed from saved memory printed nothing since).
      await this.step('ssh', () => this.connectSsh(keys.privateKey, resumed || reattached));
      // Alongside the engine check: the clock and the shared folders of a resumed guest.
      const settled = resumed ? this.settleResumed() : undefined;
      await this.step('engine', () => engineAnswers(this.link!, this.d.timeouts?.engine ?? 180000));
      await settled;
      await this.step('socket', () => this.openSocket());
      // Published container ports follow the engine onto the host's loopback (up does not wait for them).
      const { driver, paths, log } = this.d;
      const onPorts = (ports: AgentStatus['ports']) => this.publish({ ports });
      const forwarding = {
        link: this.link!,
        driver,
        spec: this.spec!,
        dockerSock: paths.dockerSock,
        onChange: onPorts,
        log,
      };
      this.closers.add('published ports', forwardPublishedPorts(forwarding));
      const onChange = (m: string | undefined) => this.hostDiskFull(m);
      this.closers.add('host disk watch', watchHostDisk({ driver, spec: this.spec!, dir: paths.dir, onChange, log }));
      this.keepClock(reattached);
      // Registered before "running" so `docker --context berth` works as soon as up returns.
      this.d.log(await registerDockerContext(this.d.name, dockerHost(this.d.paths)));
      this.publish({ state: 'running', readyAt: new Date().toISOString() });
      this.d.log(`up: running after ${Date.now() - t0} ms`);
      return this.status;
    } catch (e) {
      const report = this.problem(e);
      this.d.log(`up failed: ${report.message}`);
      // A closer that fails is in the log; the report is about why the start failed.
      await this.closers.run({ kind: 'failed' }).catch(() => undefined);
      this.publish({ state: 'stopped', error: report, vmPid: undefined });
      writePrivateFile(machineFile(this.d.paths.dir, 'lastError'), JSON.stringify(report, null, 2));
      throw e;
    }
  }

  private note(m: string): void {
    this.d.log(m);
    this.emit('note', m);
  }

  private problem(e: unknown): ProblemReport {
    const details = [
      isUserError(e) ? e.details : undefined,
      '--- VM console (last lines) ---',
      tail(this.d.paths.consoleLog, 25),
      '--- agent log (last lines) ---',
      tail(this.d.paths.agentLog, 15),
    ]
      .filter(Boolean)
      .join('\n');
    return { message: oneLine(e), details, step: stepOf(e) };
  }

  private async connectSsh(privateKey: string, sshdListening: boolean): Promise<void> {
    // Dialing before sshd exists costs a whole handshake timeout under QEMU's user networking, so
    // the console line saves seconds; if it never shows (an older image), we dial anyway. A resumed
    // guest prints nothing: its sshd has been listening since before it was saved.
    if (!sshdListening && !(await consoleLine(this.d.paths.consoleLog, 'berth: sshd started', 60000)))
      this.d.log('no "sshd started" line on the console; dialing SSH anyway');
    const connect = this.d.connect ?? ((o) => new SshLink(o));
    const link = connect({
      port: this.status.sshPort!,
      privateKey,
      hostVerifier: hostKeyVerifier(this.d.paths, (msg) => {
        this.d.log(msg);
        setImmediate(() => link.fail(new UserError(msg, { code: 'EHOSTKEY' })));
      }),
      log: (m) => this.d.log(m),
    });
    this.link = link;
    // The guest gets ready to be saved while the link is still there; then the link goes.
    this.closers.add('ssh link', (why) => {
      this.link = undefined;
      if (why.kind === 'crashed') link.fail(new Error('the VM stopped'));
      else link.close();
    });
    this.closers.add('guest ready to be saved', async (why) => {
      if (why.kind === 'down' && why.saveMemory && this.d.driver.suspend)
        why.guestReady = await guestReadyToSave(link, (m) => this.note(m));
    });
    await withTimeout(link.connect(), this.d.timeouts?.ssh ?? 180000, 'the VM did not answer SSH');
  }

  /**
   * A resumed guest's clock stood still while it was saved (TLS needs it right), and the shared
   * folders the suspend unmounted come back. Not fatal: the engine works without either.
   */
  private async settleResumed(): Promise<void> {
    try {
      const now = Math.round(Date.now() / 1000);
      await guestScript(this.link!, `/etc/berth/resume ${now}`, 30000, 'the guest did not finish resuming');
    } catch (e) {
      this.note(
        `After the resume, setting the guest's clock or mounting the shared folders failed (${oneLine(e)}): "berth restart" boots afresh`,
      );
    }
  }

  /** The VM paused because the host's disk is full (the message says so), or went on again. */
  private hostDiskFull(message: string | undefined): void {
    this.engineSocket?.refuse(message);
    if (message) this.note(message);
    this.publish({ error: message ? { message } : undefined });
  }

  private async openSocket(): Promise<void> {
    const link = this.link!;
    const log = (m: string) => this.d.log(m);
    const { enginePort, guestConfig } = this.spec!;
    const direct =
      enginePort !== undefined && guestConfig.engineSecret !== undefined
        ? { port: enginePort, secret: guestConfig.engineSecret }
        : undefined;
    log(
      direct
        ? `engine socket: through the direct path (127.0.0.1:${direct.port}), SSH as the fallback`
        : 'engine socket: through SSH (this VM was started without a direct path)',
    );
    const route = new EngineRoute(direct && (() => openDirect(direct)), () => link.openSocket(GUEST_DOCKER_SOCK), log);
    const socket = new EngineSocket(this.d.paths.dockerSock, route.open, log);
    link.on('down', () => socket.dropChannels());
    this.engineSocket = socket;
    // Closed first on a down (it was opened last): no client starts work that the stop would cut.
    this.closers.add('engine socket', () => socket.close());
    await socket.listen();
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
    this.closers.add('guest clock', () => clock.stop());
    clock.start();
    if (reattached) void clock.check('reattached to a running VM');
  }

  /** Notices a VM that went away by itself (crash, kill -9, guest poweroff). */
  private watchVm(): void {
    const spec = this.spec!;
    const check = async () => {
      // A stop under way, or a start that failed, is already closing the machine.
      if (this.downRun || this.closers.running) return;
      if ((await this.d.driver.inspect(spec)) === 'running') return;
      clearInterval(timer);
      this.d.log('the VM stopped on its own (its process exited)');
      await this.closers.run({ kind: 'crashed' }).catch(() => undefined);
      this.publish({
        state: 'stopped',
        vmPid: undefined,
        error:
          this.status.state === 'running'
            ? { message: 'the VM stopped unexpectedly', details: tail(this.d.paths.consoleLog, 25) }
            : this.status.error,
      });
      this.emit('stopped');
    };
    // A failed inspect stays an unhandled rejection, reported as an agent bug like any other.
    const timer = setInterval(() => void check(), 1000);
    this.closers.add('VM watch', () => clearInterval(timer));
  }

  /** From here the VM is this agent's: a failed up kills it, a down stops or saves it. */
  private ownVm(spec: VmSpec): void {
    this.spec = spec;
    this.closers.add('VM', (why) => this.endVm(spec, why));
  }

  /** runtime.json describes the live VM only: it goes last, with the VM. */
  private closeRuntimeFile(): void {
    if (this.closers.has('runtime.json')) return;
    this.closers.add('runtime.json', () => clearRuntime(this.d.paths));
  }

  private async endVm(spec: VmSpec, why: CloseReason): Promise<void> {
    if (why.kind === 'crashed') return; // it is gone already
    const running = (await this.d.driver.inspect(spec)) === 'running';
    if (why.kind === 'failed') {
      if (running) await this.d.driver.kill(spec);
    } else if (running) {
      if (!(why.guestReady && (await saveMemory(this.d.driver, spec, (m) => this.note(m)))))
        await this.d.driver.stop(spec, this.d.timeouts?.stop ?? 30000);
    } else if (!why.save) {
      await this.d.driver.discardSaved?.(spec);
    }
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
    // Only a machine that is up can be saved: one still starting has no guest ready to sync.
    const why: CloseReason = { kind: 'down', save, saveMemory: save && this.status.state === 'running' };
    this.publish({ state: 'stopping' });
    this.d.log('down: stopping');
    if (!this.closers.has('VM')) {
      // Not started by this agent (an earlier agent's VM), or stopped already: still seen to.
      this.closeRuntimeFile();
      const spec = this.spec ?? this.adoptedSpec();
      if (spec) this.closers.add('VM', (w) => this.endVm(spec, w));
    }
    await this.closers.run(why);
    // A start under way fails once its VM is gone; whatever it opened meanwhile is closed too.
    if (this.upRun) await this.upRun.catch(() => undefined);
    await this.closers.run(why);
    this.publish({ state: 'stopped', vmPid: undefined, steps: freshSteps() });
    this.d.log('down: stopped');
    this.emit('stopped');
    return this.status;
  }

  private adoptedSpec(): VmSpec | undefined {
    const rt = readRuntime(this.d.paths);
    if (!rt) return undefined;
    try {
      const settings = this.d.settings();
      return vmSpec(this.d.name, this.d.paths, settings, this.d.image(settings.arch), rt, '');
    } catch {
      return undefined;
    }
  }
}
