import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS, imageCandidates } from '../../app/base/image';
import { packagedImageDir } from '../../app/shell/packaged-image';
import { agentEntry } from '../../app/agent/api/client';
import { createRequire } from 'node:module';
import { REPO } from '../helpers/cli';

// electron-builder's own loader and schema check (an internal module: the
// version is pinned exactly in package.json).
import * as builderConfig from 'app-builder-lib/out/util/config/config';
const quiet = { isEnabled: false, add: () => undefined };
/** electron-builder.config.js as this project writes it (electron-builder's own type allows far more shapes). */
interface ProjectConfig {
  appId: string;
  asar: boolean;
  asarUnpack?: string[];
  npmRebuild: boolean;
  files: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  electronFuses: Record<string, boolean>;
  mac: { target: { target: string; arch: string[] }[] } & Record<string, unknown>;
  win: { target: { target: string; arch: string[] }[] } & Record<string, unknown>;
  linux: { target: { target: string; arch: string[] }[] } & Record<string, unknown>;
  nsis: Record<string, unknown>;
}
type Validate = typeof builderConfig.validateConfiguration;
/** The schema check, given any object: the tests also hand it configurations that must fail. */
const validate = (c: unknown) =>
  builderConfig.validateConfiguration(c as Parameters<Validate>[0], quiet as unknown as Parameters<Validate>[1]);
const CONFIG_FILE = path.join(REPO, 'electron-builder.config.js');
// electron-builder's loader changes the object it loads: the tests read a copy.
const config = structuredClone(createRequire(__filename)(CONFIG_FILE) as ProjectConfig);
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

test('the configuration passes electron-builder 26 schema validation', async () => {
  assert.match(pkg.devDependencies['electron-builder'], /^26\.\d+\.\d+$/, 'pinned exactly: the validator is internal');
  await validate(config);
});

test('the check can fail: an unknown key or an option in the wrong place is rejected', async () => {
  await assert.rejects(validate({ ...config, asarr: true }), /does not match the API schema/);
  await assert.rejects(
    validate({ ...config, mac: { ...config.mac, oneClick: true } }),
    /does not match the API schema/,
  );
  await assert.rejects(validate({ ...config, nsis: { ...config.nsis, bogus: 1 } }), /does not match the API schema/);
  await assert.rejects(validate({ ...config, deb: { depends: 5 } }), /does not match the API schema/);
});

test('electron-builder finds and loads the file itself, with the project folder as the app folder', async () => {
  const loaded = await builderConfig.getConfig(REPO, 'electron-builder.config.js', null);
  assert.equal(loaded.appId, config.appId);
  assert.equal(await builderConfig.computeDefaultAppDirectory(REPO, undefined), REPO);
});

test('targets: macOS dmg for x64 and arm64, Windows nsis, Linux AppImage and deb', () => {
  const t = (os: 'mac' | 'win' | 'linux') => config[os].target.map((x) => `${x.target}:${x.arch.join('+')}`);
  assert.deepEqual(t('mac'), ['dmg:x64+arm64']);
  assert.deepEqual(t('win'), ['nsis:x64']);
  assert.deepEqual(t('linux'), ['AppImage:x64', 'deb:x64']);
});

test('the VM image ships as resources/vm-image, where the core looks in a packaged app', () => {
  assert.equal(config.extraResources.length, 1);
  const r = config.extraResources[0];
  assert.equal(r.from, 'vm-images/out');
  assert.equal(r.to, 'vm-image');
  assert.deepEqual([...r.filter].sort(), [...ARTIFACTS, 'manifest.json'].sort());
  // The app hands <resources>/vm-image to its host agents through BERTH_IMAGE_DIR.
  const resources = path.resolve('/Applications/Berth.app/Contents/Resources');
  const dir = packagedImageDir(resources);
  assert.equal(dir, path.join(resources, r.to));
  assert.equal(imageCandidates('x86_64', { BERTH_IMAGE_DIR: dir })[0], dir);
  assert.equal(imageCandidates('aarch64', { BERTH_IMAGE_DIR: dir })[0], dir);
});

test('app.asar holds the compiled app and the dashboard; no native rebuild', () => {
  assert.equal(config.asar, true);
  assert.equal(config.npmRebuild, false);
  assert.ok(config.files.includes('out/app/**/*.js'));
  assert.ok(config.files.includes('renderer/dist/**/*'));
  assert.ok(config.files.includes('package.json'));
  assert.match(pkg.main, /^out\/app\/.*\.js$/, 'package.json main is inside the shipped files');
  assert.equal(pkg.main, 'out/app/shell/main.js');
  // app-protocol.ts serves ../../../renderer/dist from out/app/shell: the same layout in app.asar
  assert.ok(
    fs
      .readFileSync(path.join(REPO, 'app', 'shell', 'app-protocol.ts'), 'utf8')
      .includes("'..', '..', '..', 'renderer', 'dist'"),
  );
});

test('runtime dependencies are copied into app.asar: nothing bundled or build-only among them', () => {
  const runtime = Object.keys(pkg.dependencies ?? {});
  for (const name of [
    'electron',
    'electron-builder',
    'react',
    'react-dom',
    'vite',
    '@xterm/xterm',
    'uplot',
    'typescript',
  ]) {
    assert.ok(!runtime.includes(name), `${name} must stay in devDependencies`);
  }
  assert.match(pkg.devDependencies.electron, /^\d+\.\d+\.\d+$/, 'electron pinned exactly');
});

// The fuses as decided in electron-builder.config.js (each one's reason is there).
const INTENDED_FUSES = {
  runAsNode: true,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
};

test('Electron fuses: no NODE_OPTIONS, no inspector, asar integrity, the app only from app.asar', () => {
  assert.deepEqual(config.electronFuses, INTENDED_FUSES);
});

test('every fuse electron-builder can flip is decided, and a misspelled fuse is rejected', async () => {
  const schema = JSON.parse(fs.readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
  const known = Object.keys(schema.definitions.FuseOptionsV1.properties).filter(
    // Not a fuse: electron-builder signs right after flipping them.
    (k) => k !== 'resetAdHocDarwinSignature',
  );
  assert.deepEqual(Object.keys(config.electronFuses).sort(), known.sort());
  for (const k of known) assert.equal(typeof config.electronFuses[k], 'boolean', k);
  await assert.rejects(
    validate({ ...config, electronFuses: { ...config.electronFuses, enableNodeOptionsEnvironmentVarible: false } }),
    /does not match the API schema/,
  );
});

test('the host agent keeps what it needs: the app starts it as Node from app.asar', () => {
  // spawnAgent runs the app's own binary with the launcher's environment: that needs RunAsNode.
  const shell = fs.readFileSync(path.join(REPO, 'app', 'shell', 'main.ts'), 'utf8');
  assert.match(shell, /launcher: \{ env: \{ ELECTRON_RUN_AS_NODE: '1' \} \}/);
  assert.equal(config.electronFuses.runAsNode, true, 'the agent is started with ELECTRON_RUN_AS_NODE');
  // Its entry, out/app/agent/main.js, is one of the files packed into app.asar.
  assert.equal(path.relative(REPO, agentEntry()).split(path.sep).join('/'), 'out/app/agent/main.js');
  assert.ok(config.files.includes('out/app/**/*.js'));
  assert.equal(config.asar, true);
  // Loading only from app.asar: nothing the app reads at run time is expected beside it
  // (asarUnpack would put files in app.asar.unpacked, outside the integrity check).
  assert.equal(config.asarUnpack, undefined);
});
