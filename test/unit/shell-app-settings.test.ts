import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  appSettingsFile,
  AppSettingsStore,
  changeAppSettings,
  defaultAppSettings,
  loadAppSettings,
  saveAppSettings,
  type Theme,
} from '../../app/shell/app-settings';
import { tempHome } from '../helpers/cli';

const fileIn = () => appSettingsFile(tempHome('bas'));
const now = new Date('2025-01-02T03:04:05.678Z');

test('no file: the defaults (start the machine, stay out of login, leave it running on quit, follow the system theme)', () => {
  assert.deepEqual(loadAppSettings(fileIn()), {
    settings: { version: 1, startMachineOnLaunch: true, openAtLogin: false, stopMachineOnQuit: false, theme: 'system' },
  });
});

test('saved settings load back; the file is private and ends with a newline', () => {
  const f = fileIn();
  const s = { ...defaultAppSettings(), openAtLogin: true, theme: 'dark' as const };
  saveAppSettings(f, s);
  assert.deepEqual(loadAppSettings(f), { settings: s });
  assert.ok(fs.readFileSync(f, 'utf8').endsWith('}\n'));
  if (process.platform !== 'win32') assert.equal(fs.statSync(f).mode & 0o777, 0o600);
});

test('a file missing some settings gets the defaults for them', () => {
  const f = fileIn();
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, '{"version":1,"theme":"light"}');
  assert.deepEqual(loadAppSettings(f).settings, { ...defaultAppSettings(), theme: 'light' });
});

test('a file that is not JSON is kept aside, the defaults written, and the user told where it went', () => {
  const f = fileIn();
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, '{"theme": "dark",');
  const r = loadAppSettings(f, now);
  const aside = `${f}.corrupt-2025-01-02T03-04-05-678Z`;
  assert.deepEqual(r.settings, defaultAppSettings());
  assert.equal(
    r.warning,
    `app settings file could not be used (it is not valid JSON): kept it as ${aside} and went back to the defaults`,
  );
  assert.equal(fs.readFileSync(aside, 'utf8'), '{"theme": "dark",');
  assert.deepEqual(JSON.parse(fs.readFileSync(f, 'utf8')), defaultAppSettings());
});

test('a bad value or an unknown key is named in the warning, and the file kept aside', () => {
  const cases: [string, string][] = [
    ['{"version":1,"theme":"blue"}', 'theme = "blue" must be one of system, light, dark'],
    ['{"version":1,"openAtLogin":"yes"}', 'openAtLogin = "yes" must be boolean'],
    ['{"version":1,"dockerHost":"x"}', 'unknown setting "dockerHost"'],
    ['[1,2]', 'it is not a JSON object'],
  ];
  for (const [text, why] of cases) {
    const f = fileIn();
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
    const r = loadAppSettings(f, now);
    assert.deepEqual(r.settings, defaultAppSettings());
    assert.match(r.warning!, new RegExp(`\\(${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`), text);
    assert.equal(fs.readFileSync(`${f}.corrupt-2025-01-02T03-04-05-678Z`, 'utf8'), text);
  }
});

test('a file from a newer Berth is left alone and the defaults used meanwhile', () => {
  const f = fileIn();
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, '{"version":2,"theme":"dark","newThing":true}');
  const r = loadAppSettings(f);
  assert.deepEqual(r.settings, defaultAppSettings());
  assert.match(r.warning!, /written by a newer Berth \(version 2\)/);
  assert.equal(fs.readFileSync(f, 'utf8'), '{"version":2,"theme":"dark","newThing":true}');
});

test('changes are validated field by field', () => {
  const s = defaultAppSettings();
  assert.deepEqual(changeAppSettings(s, { stopMachineOnQuit: true }), { ...s, stopMachineOnQuit: true });
  assert.throws(
    () => changeAppSettings(s, { theme: 'sepia' }),
    /^Error: app setting not changed: theme = "sepia" must be one of system, light, dark$/,
  );
  assert.throws(() => changeAppSettings(s, { version: 7 }), /unknown setting "version"/);
  assert.throws(() => changeAppSettings(s, { openAtLogin: 1 }), /openAtLogin = 1 must be boolean/);
});

test('the store saves every change and tells its listeners; a bad change leaves file and memory as they were', () => {
  const f = fileIn();
  const store = new AppSettingsStore(f);
  assert.equal(store.warning, undefined);
  const seen: unknown[] = [];
  store.on('change', (s) => seen.push(s));
  store.set({ theme: 'light' });
  assert.equal(JSON.parse(fs.readFileSync(f, 'utf8')).theme, 'light');
  assert.deepEqual(seen, [{ ...defaultAppSettings(), theme: 'light' }]);
  assert.throws(() => store.set({ theme: 'x' as Theme }));
  assert.equal(store.get().theme, 'light');
  assert.equal(JSON.parse(fs.readFileSync(f, 'utf8')).theme, 'light');
  assert.equal(new AppSettingsStore(f).get().theme, 'light');
});
