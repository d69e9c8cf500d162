import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { defaultAppSettings, type AppSettings } from '../../app/shell/app-settings';
import { crc32, encodePng, PNG_SIGNATURE } from '../../app/shell/png';
import { drawTrayIcon, TRAY_ICON_KINDS, trayIconFor, trayIconKind } from '../../app/shell/tray-icons';
import {
  quitPlan,
  shorten,
  stateLine,
  trayMenuTemplate,
  type TrayItem,
  type TrayView,
} from '../../app/shell/tray-menu';

const host = 'unix:///home/ann/.local/share/berth/machines/default/docker.sock';
const opts = (s: Partial<AppSettings> = {}, loginItemSupported = true) => ({
  settings: { ...defaultAppSettings(), ...s },
  loginItemSupported,
});
const view = (v: Partial<TrayView>): TrayView => ({ name: 'default', state: 'stopped', dockerHost: host, ...v });

function item(items: TrayItem[], id: string): TrayItem {
  for (const it of items) {
    if (it.id === id) return it;
    if (it.submenu) {
      const found = it.submenu.find((s) => s.id === id);
      if (found) return found;
    }
  }
  throw new Error(`no item ${id}`);
}
const enabled = (items: TrayItem[]) =>
  Object.fromEntries(
    ['start', 'stop', 'shutdown', 'restart', 'open-dashboard', 'copy-docker-host', 'quit'].map((id) => [
      id,
      item(items, id).enabled,
    ]),
  );

test('running: Stop, Shut Down and Restart on, Start off, DOCKER_HOST copyable', () => {
  const m = trayMenuTemplate(view({ state: 'running' }), opts());
  assert.equal(m[0].label, 'Machine "default": running');
  assert.equal(m[0].enabled, false);
  assert.deepEqual(enabled(m), {
    start: false,
    stop: true,
    shutdown: true,
    restart: true,
    'open-dashboard': true,
    'copy-docker-host': true,
    quit: true,
  });
  assert.equal(item(m, 'copy-docker-host').toolTip, host);
  // Which stop keeps the machine's memory is said where the choice is made.
  assert.match(item(m, 'stop').toolTip!, /Saves its memory: Start resumes it/);
  assert.match(item(m, 'shutdown').toolTip!, /the next start boots afresh/);
});

test('stopped: only Start among the lifecycle items', () => {
  const m = trayMenuTemplate(view({ state: 'stopped' }), opts());
  assert.equal(m[0].label, 'Machine "default": stopped');
  assert.deepEqual(enabled(m), {
    start: true,
    stop: false,
    shutdown: false,
    restart: false,
    'open-dashboard': true,
    'copy-docker-host': true,
    quit: true,
  });
  assert.equal(item(m, 'start').label, 'Start Machine');
});

test('starting and stopping: no lifecycle item, the state line says what is under way', () => {
  for (const state of ['starting', 'stopping'] as const) {
    const m = trayMenuTemplate(view({ state }), opts());
    assert.equal(m[0].label, `Machine "default": ${state}…`);
    assert.deepEqual(
      [item(m, 'start').enabled, item(m, 'stop').enabled, item(m, 'restart').enabled],
      [false, false, false],
    );
  }
});

test('an action this app started disables the lifecycle items and names itself', () => {
  for (const busy of ['start', 'stop', 'restart'] as const) {
    const m = trayMenuTemplate(view({ state: 'running', busy }), opts());
    assert.equal(m[0].label, `Machine "default": ${busy === 'stop' ? 'stopping' : busy + 'ing'}…`);
    assert.deepEqual(
      [item(m, 'start').enabled, item(m, 'stop').enabled, item(m, 'restart').enabled],
      [false, false, false],
    );
  }
});

test('not created: Create and Start, nothing to copy yet', () => {
  const m = trayMenuTemplate(view({ state: 'not created', dockerHost: undefined }), opts());
  assert.equal(m[0].label, 'Machine "default": not created yet');
  assert.equal(item(m, 'start').label, 'Create and Start Machine');
  assert.deepEqual(enabled(m), {
    start: true,
    stop: false,
    shutdown: false,
    restart: false,
    'open-dashboard': true,
    'copy-docker-host': false,
    quit: true,
  });
});

test('broken: the reason on its own short line, whole text in the tooltip; Start, Stop and Restart all offered', () => {
  const reason = 'the VM runs but its host agent is gone: run "berth up" to reattach, or "berth down"';
  const m = trayMenuTemplate(view({ state: 'broken', problem: reason }), opts());
  assert.equal(m[0].label, 'Machine "default": needs attention');
  const r = item(m, 'reason');
  assert.equal(r.enabled, false);
  assert.ok(r.label!.length <= 60 && r.label!.endsWith('…'), r.label);
  assert.equal(r.toolTip, reason);
  assert.deepEqual([item(m, 'start').enabled, item(m, 'stop').enabled, item(m, 'restart').enabled], [true, true, true]);
});

test('stopped after a failure says so; a running machine shows no stale problem', () => {
  const m = trayMenuTemplate(view({ state: 'stopped', problem: 'engine did not answer' }), opts());
  assert.equal(m[0].label, 'Machine "default": stopped after an error');
  assert.equal(item(m, 'reason').label, 'engine did not answer');
  assert.throws(() => item(trayMenuTemplate(view({ state: 'running', problem: 'old' }), opts()), 'reason'));
});

test('the menu has the items in order, separators between groups', () => {
  const m = trayMenuTemplate(view({ state: 'running' }), opts());
  assert.deepEqual(
    m.map((i) => i.id ?? i.type ?? i.label),
    [
      'state',
      'separator',
      'start',
      'stop',
      'shutdown',
      'restart',
      'separator',
      'open-dashboard',
      'copy-docker-host',
      'separator',
      'submenu',
      'separator',
      'quit',
    ],
  );
});

test('settings submenu mirrors the settings; open at login is off where it is not supported', () => {
  const m = trayMenuTemplate(
    view({}),
    opts({ startMachineOnLaunch: false, openAtLogin: true, stopMachineOnQuit: true, theme: 'dark' }),
  );
  assert.equal(item(m, 'toggle-start-on-launch').checked, false);
  assert.equal(item(m, 'toggle-open-at-login').checked, true);
  assert.equal(item(m, 'toggle-stop-on-quit').checked, true);
  assert.deepEqual(
    ['theme-system', 'theme-light', 'theme-dark'].map((id) => item(m, id).checked),
    [false, false, true],
  );
  assert.ok(['theme-system', 'theme-light', 'theme-dark'].every((id) => item(m, id).type === 'radio'));
  const linux = trayMenuTemplate(view({}), opts({ openAtLogin: true }, false));
  assert.deepEqual(
    [item(linux, 'toggle-open-at-login').enabled, item(linux, 'toggle-open-at-login').checked],
    [false, false],
  );
});

test('Quit stops the machine or leaves it running, as set, and says which', () => {
  const up = view({ state: 'running' });
  assert.equal(quitPlan(up, { ...defaultAppSettings(), stopMachineOnQuit: true }), 'stop-machine');
  assert.equal(quitPlan(up, { ...defaultAppSettings(), stopMachineOnQuit: false }), 'leave-running');
  assert.equal(quitPlan(view({ state: 'stopped' }), { ...defaultAppSettings(), stopMachineOnQuit: true }), 'just-quit');
  assert.equal(
    quitPlan(view({ state: 'stopped', busy: 'start' }), { ...defaultAppSettings(), stopMachineOnQuit: true }),
    'stop-machine',
  );
  assert.equal(
    item(trayMenuTemplate(up, opts({ stopMachineOnQuit: true })), 'quit').label,
    'Quit Berth and Stop Machine',
  );
  assert.equal(
    item(trayMenuTemplate(up, opts({ stopMachineOnQuit: false })), 'quit').label,
    'Quit Berth (Machine Keeps Running)',
  );
  assert.equal(item(trayMenuTemplate(view({ state: 'stopped' }), opts()), 'quit').label, 'Quit Berth');
});

test('the template is plain data (no functions): it survives a JSON round trip', () => {
  const m = trayMenuTemplate(view({ state: 'broken', problem: 'x' }), opts());
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
  assert.equal(stateLine(view({ name: 'dev', state: 'running' })), 'Machine "dev": running');
  assert.equal(shorten('first line\nsecond'), 'first line');
});

// ---------------------------------------------------------------- icons

test('each machine state maps to one of four icons', () => {
  assert.equal(trayIconKind('running'), 'running');
  assert.equal(trayIconKind('starting'), 'starting');
  assert.equal(trayIconKind('stopping'), 'starting');
  assert.equal(trayIconKind('stopped'), 'stopped');
  assert.equal(trayIconKind('not created'), 'stopped');
  assert.equal(trayIconKind('stopped', true), 'error');
  assert.equal(trayIconKind('broken'), 'error');
});

/** Decodes the PNGs encodePng writes (RGBA, filter 0) and checks every chunk CRC. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    assert.equal(png.readUInt32BE(off + 8 + len), crc32(png.subarray(off + 4, off + 8 + len)), `${type} CRC`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.deepEqual([...data.subarray(8)], [8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width * 4 + 1)], 0);
    raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, rgba };
}

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

test('icons are valid PNGs at 16x16 and 32x32 holding exactly the drawn pixels', () => {
  for (const kind of TRAY_ICON_KINDS) {
    for (const platform of ['linux', 'darwin'] as const) {
      const icon = trayIconFor(kind, platform);
      assert.equal(icon.template, platform === 'darwin');
      assert.deepEqual(
        icon.representations.map((r) => [r.scaleFactor, r.width, r.height]),
        [
          [1, 16, 16],
          [2, 32, 32],
        ],
      );
      for (const r of icon.representations) {
        const d = decodePng(r.png);
        assert.deepEqual([d.width, d.height], [r.width, r.height]);
        assert.deepEqual(d.rgba, Buffer.from(drawTrayIcon(kind, r.width, icon.template)));
      }
    }
  }
});

const alphaAt = (px: Uint8Array, size: number, x: number, y: number) => px[(y * size + x) * 4 + 3];

test('the four template icons differ by shape, not only colour (the macOS menu bar tints them)', () => {
  const shapes = TRAY_ICON_KINDS.map((k) => Buffer.from(drawTrayIcon(k, 32, true)).toString('hex'));
  assert.equal(new Set(shapes).size, 4);
  const px = (k: (typeof TRAY_ICON_KINDS)[number]) => drawTrayIcon(k, 32, true);
  // centre: filled when running, empty when stopped, cut out (the exclamation mark) on error
  assert.equal(alphaAt(px('running'), 32, 16, 12), 255);
  assert.equal(alphaAt(px('stopped'), 32, 16, 12), 0);
  assert.equal(alphaAt(px('error'), 32, 16, 12), 0);
  assert.equal(alphaAt(px('error'), 32, 9, 16), 255);
  // starting: left half full, right half hollow
  assert.equal(alphaAt(px('starting'), 32, 10, 16), 255);
  assert.equal(alphaAt(px('starting'), 32, 22, 16), 0);
  // corners are transparent, the ring is opaque
  for (const k of TRAY_ICON_KINDS) {
    assert.equal(alphaAt(px(k), 32, 0, 0), 0);
    assert.equal(alphaAt(px(k), 32, 16, 2), 255, k);
  }
  // template pixels are black; the coloured ones are not
  const t = px('running');
  assert.deepEqual([t[16 * 32 * 4 + 16 * 4], t[16 * 32 * 4 + 16 * 4 + 1], t[16 * 32 * 4 + 16 * 4 + 2]], [0, 0, 0]);
  const c = drawTrayIcon('running', 32, false);
  assert.notDeepEqual([c[16 * 32 * 4 + 16 * 4], c[16 * 32 * 4 + 16 * 4 + 1]], [0, 0]);
});

test('the PNG encoder refuses a wrong pixel count', () => {
  assert.throws(() => encodePng(2, 2, new Uint8Array(15)), /expected 16 RGBA bytes, got 15/);
  assert.throws(() => encodePng(0, 2, new Uint8Array(0)), /bad PNG size/);
});
