// The composition root of the serving side: every method and stream of the
// contract wired to the machine service and the engine. Used by `berth ui`
// and by the Electron main process alike.
import type { Machines } from '../machine/machines';
import type { MachineProgress } from './contract';
import * as es from './engine/streams';
import { Engine } from './engine/engine';
import { ApiFailure, engineUnreachable, isEngineUnreachable } from './errors';
import { MachineService } from './machine-service';
import type { Implementation } from './session';

export interface HandlerOptions {
  /** The machines, built where the process starts (with its driver). */
  machines: Machines;
  name?: string;
  /** Talk to this Docker socket instead of the machine's (benchmarks count requests through a proxy). */
  dockerSocket?: string;
  log?: (m: string) => void;
}

export function createImplementation(o: HandlerOptions): Implementation & { machine: MachineService; engine: Engine } {
  const machine = new MachineService(o.machines, o.name ?? 'default', { log: o.log });
  const engine = new Engine(o.dockerSocket ?? machine.dockerSock);

  /** Engine calls: an unreachable socket becomes the designed "machine is stopped" error. */
  const e =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (err) {
        if (isEngineUnreachable(err)) {
          const st = await machine.info().catch(() => undefined);
          const state = st?.status.state;
          if (state === 'not created')
            throw new ApiFailure('ENOMACHINE', 'There is no machine yet: create it on the Machine page.');
          throw engineUnreachable(`machine state: ${state ?? 'unknown'}\n${err.code}: ${err.message}`);
        }
        throw err;
      }
    };

  return {
    machine,
    engine,
    methods: {
      'machine.status': () => machine.info(),
      'machine.start': () => machine.start(),
      'machine.stop': (p) => machine.stop(p.shutdown === true),
      'machine.restart': () => machine.restart(),
      'machine.create': (p) => Promise.resolve(machine.create(p.settings ?? {})),
      'machine.console': (p) => Promise.resolve(machine.console(p.lines)),
      'settings.get': () => Promise.resolve(machine.getSettings()),
      'settings.set': (p) => machine.setSettings(p.change),
      'engine.info': e(() => engine.info()),
      'containers.list': e((p) => engine.containers(p.id)),
      'container.start': e((p) => engine.containerAction('start', p.id)),
      'container.stop': e((p) => engine.containerAction('stop', p.id)),
      'container.restart': e((p) => engine.containerAction('restart', p.id)),
      'container.pause': e((p) => engine.containerAction('pause', p.id)),
      'container.unpause': e((p) => engine.containerAction('unpause', p.id)),
      'container.remove': e((p) => engine.removeContainer(p.id, p.force)),
      'container.inspect': e((p) => engine.inspect(p.id)),
      'images.list': e(() => engine.images()),
      'image.remove': e((p) => engine.removeImage(p.id, p.force)),
      'images.prune': e(() => engine.pruneImages()),
      'image.run': e((p) => engine.run(p)),
      'volumes.list': e(() => engine.volumes()),
      'volume.remove': e((p) => engine.removeVolume(p.name)),
      'volumes.prune': e(() => engine.pruneVolumes()),
    },
    streams: {
      'engine.events': e((_p, sink) => es.events(engine, sink)),
      'container.logs': e((p, sink) => es.logs(engine, p, sink)),
      'container.stats': e((p, sink) => es.stats(engine, p, sink)),
      'container.exec': e((p, sink) => es.exec(engine, p, sink)),
      'image.pull': e((p, sink) => es.pull(engine, p, sink)),
      'machine.progress': (_p, sink) => {
        const on = (m: MachineProgress) => sink.data(m);
        machine.progress.on('progress', on);
        const unwatch = machine.watchState();
        return Promise.resolve({
          stop: () => {
            machine.progress.off('progress', on);
            unwatch();
          },
        });
      },
    },
  };
}
