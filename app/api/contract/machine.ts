// The machine's side of the API contract: its state, its settings and the progress of a start or stop.
import type { AgentStatus, MachineStatus, Step } from '../../base/machine-types';
import type { MachineSettings } from '../../base/settings/schema';
import type { Arch } from '../../base/arch';
import type { Accel, DriverName } from '../../base/vm-types';

export interface MachineInfo {
  name: string;
  status: MachineStatus;
  /** Bytes the data disk file takes on the host (allocated, not virtual size). */
  diskFileBytes?: number;
}

export interface SettingRange {
  min: number;
  max: number;
  description: string;
}

export interface SettingsView {
  settings: MachineSettings;
  ranges: Record<'cpus' | 'memoryMiB' | 'diskGiB', SettingRange>;
  /** The accelerators a machine can ask for, from the settings schema. */
  accelerators: Accel[];
  /** The architectures a new machine can have (an existing one keeps its own). */
  architectures: Arch[];
  /** The hypervisors a new machine can run under (an existing one keeps its own). */
  drivers: DriverName[];
  /** Settings that apply only after a restart. */
  restartFields: string[];
  /** A corrupt settings file was put aside: tell the user. */
  warnings: string[];
  /** True when the machine does not exist yet: these are the defaults a new one would get. */
  defaults?: boolean;
}

export type SettingsChange = Partial<Omit<MachineSettings, 'version' | 'engine'>> & {
  engine?: Partial<MachineSettings['engine']>;
};

export type MachineProgress =
  | { kind: 'step'; step: Step }
  | { kind: 'note'; note: string }
  | { kind: 'status'; status: AgentStatus }
  | { kind: 'state'; info: MachineInfo };
