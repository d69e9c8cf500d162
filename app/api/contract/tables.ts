// The method and stream tables: every name with its params, its result (or its data and input).
import type {
  ContainerSummary,
  EngineEvent,
  EngineInfo,
  ExecInput,
  ImageSummary,
  LogLine,
  PruneResult,
  PullProgress,
  RunSpec,
  StatsSample,
  VolumeSummary,
} from './engine';
import type { MachineInfo, MachineProgress, SettingsChange, SettingsView } from './machine';

type NoParams = Record<string, never>;
interface Id {
  id: string;
}

/** Every request/response method: params in, result out. */
export interface Methods {
  'machine.status': { params: NoParams; result: MachineInfo };
  /** Resolves when the machine is running; steps arrive on 'machine.progress'. A second call joins the first. */
  'machine.start': { params: NoParams; result: MachineInfo };
  /**
   * Stops the machine, saving its memory so that the next start resumes it; with shutdown, the
   * engine and the VM shut down instead (and memory saved earlier is forgotten, also when stopped).
   */
  'machine.stop': { params: { shutdown?: boolean }; result: MachineInfo };
  'machine.restart': { params: NoParams; result: MachineInfo };
  /** First run: creates the machine with these settings (does not start it). */
  'machine.create': { params: { settings?: SettingsChange }; result: SettingsView };
  /** The tail of the VM console and of the host agent log. */
  'machine.console': { params: { lines?: number }; result: { console: string; agent: string } };
  'settings.get': { params: NoParams; result: SettingsView };
  'settings.set': { params: { change: SettingsChange }; result: SettingsView & { restartNeeded: boolean } };
  'engine.info': { params: NoParams; result: EngineInfo };
  /** All containers, or just one (id) after an event; [] when it is gone. */
  'containers.list': { params: { id?: string }; result: ContainerSummary[] };
  'container.start': { params: Id; result: null };
  'container.stop': { params: Id; result: null };
  'container.restart': { params: Id; result: null };
  'container.pause': { params: Id; result: null };
  'container.unpause': { params: Id; result: null };
  'container.remove': { params: Id & { force?: boolean }; result: null };
  'container.inspect': { params: Id; result: Record<string, unknown> };
  'images.list': { params: NoParams; result: ImageSummary[] };
  'image.remove': { params: Id & { force?: boolean }; result: null };
  'images.prune': { params: NoParams; result: PruneResult };
  'image.run': { params: RunSpec; result: { id: string; warnings: string[] } };
  'volumes.list': { params: NoParams; result: VolumeSummary[] };
  'volume.remove': { params: { name: string }; result: null };
  'volumes.prune': { params: NoParams; result: PruneResult };
}

/** Every subscription: params in, data events out, optional input messages in. */
export interface Streams {
  /** Docker's /events: the lists follow it; nothing polls. */
  'engine.events': { params: NoParams; data: EngineEvent; input: never };
  /** Follows the log; lines arrive in batches. */
  'container.logs': { params: Id & { tail?: number; timestamps?: boolean }; data: LogLine[]; input: never };
  'container.stats': { params: Id; data: StatsSample; input: never };
  /** A TTY exec session: output as text, input as keystrokes and resizes. */
  'container.exec': { params: Id & { cmd?: string[]; cols: number; rows: number }; data: string; input: ExecInput };
  /** Ends (without error) when the pull is complete. */
  'image.pull': { params: { image: string }; data: PullProgress; input: never };
  /** Steps of the machine starting or stopping, as the core reports them. */
  'machine.progress': { params: NoParams; data: MachineProgress; input: never };
}

export type MethodName = keyof Methods;
export type StreamName = keyof Streams;
export type ParamsOf<M extends MethodName> = Methods[M]['params'];
export type ResultOf<M extends MethodName> = Methods[M]['result'];
export type StreamParams<S extends StreamName> = Streams[S]['params'];
export type StreamData<S extends StreamName> = Streams[S]['data'];
export type StreamInput<S extends StreamName> = Streams[S]['input'];
