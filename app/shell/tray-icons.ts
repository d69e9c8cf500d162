// The tray icon for each machine state, drawn in code and encoded as PNG at
// 1x and 2x. Colours on Windows and Linux; on macOS black-and-alpha template
// images that the menu bar tints, so the states differ by shape as well:
// running = filled disc, starting = ring with a half disc, stopped = ring,
// error = disc with an exclamation mark cut out. Pure: no electron here.
import type { MachineState } from '../base/machine-types';
import { encodePng } from './png';

export type TrayIconKind = 'running' | 'starting' | 'stopped' | 'error';
export const TRAY_ICON_KINDS: readonly TrayIconKind[] = ['running', 'starting', 'stopped', 'error'];

/** The icon a machine state shows; a stop that followed a failure shows the error. */
export function trayIconKind(state: MachineState, failed = false): TrayIconKind {
  switch (state) {
    case 'running':
      return 'running';
    case 'starting':
    case 'stopping':
      return 'starting';
    case 'broken':
      return 'error';
    case 'stopped':
    case 'not created':
      return failed ? 'error' : 'stopped';
  }
}

const COLOURS: Record<TrayIconKind, [number, number, number]> = {
  running: [0x2d, 0xa4, 0x4e],
  starting: [0xd4, 0x9a, 0x1c],
  stopped: [0x8c, 0x95, 0x9f],
  error: [0xcf, 0x22, 0x2e],
};

// Shapes on a 16x16 grid, centre (8, 8).
const R_OUT = 7;
const R_IN = 5.4;
function inside(kind: TrayIconKind, x: number, y: number): boolean {
  const d = Math.hypot(x - 8, y - 8);
  if (d > R_OUT) return false;
  const ring = d >= R_IN;
  switch (kind) {
    case 'running':
      return true;
    case 'stopped':
      return ring;
    case 'starting':
      return ring || x <= 8; // left half filled: under way
    case 'error': {
      const bar = Math.abs(x - 8) <= 1.1 && y >= 3.6 && y <= 9.2;
      const dot = Math.hypot(x - 8, y - 11.4) <= 1.25;
      return !(bar || dot);
    }
  }
}

/** RGBA pixels of one icon, anti-aliased by 4x4 supersampling. */
export function drawTrayIcon(kind: TrayIconKind, size: number, template: boolean): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const [r, g, b] = template ? [0, 0, 0] : COLOURS[kind];
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let pxx = 0; pxx < size; pxx++) {
      let hits = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = ((pxx + (sx + 0.5) / n) * 16) / size;
          const y = ((py + (sy + 0.5) / n) * 16) / size;
          if (inside(kind, x, y)) hits++;
        }
      }
      const o = (py * size + pxx) * 4;
      px[o] = r;
      px[o + 1] = g;
      px[o + 2] = b;
      px[o + 3] = Math.round((hits / (n * n)) * 255);
    }
  }
  return px;
}

export interface TrayIcon {
  kind: TrayIconKind;
  /** macOS menu bar: black and alpha, tinted by the system. */
  template: boolean;
  tooltip: string;
  /** 16x16 at scale 1, 32x32 at scale 2. */
  representations: { scaleFactor: 1 | 2; width: number; height: number; png: Buffer }[];
}

const TOOLTIPS: Record<TrayIconKind, string> = {
  running: 'Berth: the machine is running',
  starting: 'Berth: the machine is starting or stopping',
  stopped: 'Berth: the machine is stopped',
  error: 'Berth: the machine needs attention',
};

const cache = new Map<string, TrayIcon>();

export function trayIconFor(kind: TrayIconKind, platform: NodeJS.Platform = process.platform): TrayIcon {
  const template = platform === 'darwin';
  const key = `${kind}:${template}`;
  let icon = cache.get(key);
  if (!icon) {
    icon = {
      kind,
      template,
      tooltip: TOOLTIPS[kind],
      representations: ([1, 2] as const).map((scaleFactor) => {
        const size = 16 * scaleFactor;
        return {
          scaleFactor,
          width: size,
          height: size,
          png: encodePng(size, size, drawTrayIcon(kind, size, template)),
        };
      }),
    };
    cache.set(key, icon);
  }
  return icon;
}
