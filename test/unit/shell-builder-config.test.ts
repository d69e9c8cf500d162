import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import * as crypto from 'node:crypto';
import { ARTIFACTS, imageCandidates, locateImage } from '../../app/base/image';
import { nativeArch } from '../../app/base/arch';
import { packagedImageDir } from '../../app/shell/packaged-image';
import { agentEntry } from '../../app/agent/api/client';
import { createRequire } from 'node:module';
import { REPO } from '../helpers/cli';

// electron-builder's own loader and schema check (an internal module: the
// version is pinned exactly in package.json).
import * as builderConfig from 'app-builder-lib/out/util/config/config';
import { Platform, PlatformPackager } from 'app-builder-lib';
import { Arch } from 'builder-util';
const quiet = { isEnabled: false, add: () => undefined };
/** electron-builder.config.js as this project writes it (electron-builder's own type allows far more shapes). */
interface ProjectConfig {
  appId: string;
  asar: boolean;
  asarUnpack?: string[];
  npmRebuild: boolean;
  files: string[];
  extraResources?: unknown;
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
/** What the packing hooks are given, as far as they use it (electron-builder's PackContext). */
interface PackContext {
  appOutDir: string;
  arch: Arch;
  electronPlatformName: string;
  packager: { projectDir: string; getResourcesDir(appOutDir: string): string };
}
type PackHook = (context: PackContext) => Promise<void>;
// electron-builder's loader changes the object it loads: the tests read a copy (of the data; the
// hooks are functions, which cannot be copied, and are checked apart).
const { beforePack, afterPack, ...configData } = createRequire(__filename)(CONFIG_FILE) as ProjectConfig & {
  beforePack: PackHook;
  afterPack: PackHook;
};
const config = structuredClone<ProjectConfig>(configData);
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

test('the configuration passes electron-builder 26 schema validation', async () => {
  assert.match(pkg.devDependencies['electron-builder'], /^26\.\d+\.\d+$/, 'pinned exactly: the validator is internal');
  await validate({ ...config, beforePack, afterPack });
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

/** A VM image of `arch` in `dir` (its manifest with the right sizes and hashes), its bytes marked with `mark`. */
function fakeImage(dir: string, arch: 'x86_64' | 'aarch64' | undefined, mark: string, extra: string[] = []): void {
  fs.mkdirSync(dir, { recursive: true });
  const artifacts: Record<string, { sha256: string; size: number }> = {};
  for (const name of [...ARTIFACTS, ...extra]) {
    const data = Buffer.from(`${mark} ${name}`);
    fs.writeFileSync(path.join(dir, name), data);
    artifacts[name] = { sha256: crypto.createHash('sha256').update(data).digest('hex'), size: data.length };
  }
  const manifest = { ...(arch ? { arch } : {}), inputsHash: mark, cmdline: 'console=ttyS0', artifacts };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

/** A project folder holding the images the test gives, and a packing context for one platform and arch. */
function packing(t: { after: (fn: () => void) => void }, images: { x86?: boolean; arm?: boolean }) {
  const projectDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pack-'));
  t.after(() => fs.rmSync(projectDir, { recursive: true, force: true }));
  if (images.x86) fakeImage(path.join(projectDir, 'vm-images', 'out'), 'x86_64', 'x86 image');
  // An image may list more than ARTIFACTS in its manifest (binfmt.squashfs): they go along.
  if (images.arm) fakeImage(path.join(projectDir, 'vm-images', 'out-aarch64'), 'aarch64', 'arm image', ['extra.img']);
  const context = (platform: Platform, arch: Arch): PackContext => {
    const appOutDir = path.join(projectDir, 'dist-app', `${platform.name}-${Arch[arch]}-unpacked`);
    // electron-builder's own packager code finds the resources folder (Berth.app/Contents/Resources
    // on macOS), on a packager holding only what that code reads.
    const packager = Object.assign(Object.create(PlatformPackager.prototype) as PackContext['packager'], {
      platform,
      appInfo: { productFilename: 'Berth' },
      info: { projectDir, framework: { name: 'electron' } },
    });
    return { appOutDir, arch, electronPlatformName: platform.nodeName, packager };
  };
  return { projectDir, context };
}

/** Packs (both hooks) and returns the folder the image went to. */
async function pack(context: PackContext): Promise<string> {
  await beforePack(context);
  await afterPack(context);
  return packagedImageDir(context.packager.getResourcesDir(context.appOutDir));
}

test('each build carries the image of its own architecture as resources/vm-image', async (t) => {
  assert.equal(config.extraResources, undefined, 'the image is copied by the hooks, not by extraResources');
  const { context } = packing(t, { x86: true, arm: true });
  const builds: [Platform, Arch, string, string][] = [
    [Platform.MAC, Arch.arm64, 'Berth.app/Contents/Resources', 'arm image'],
    [Platform.MAC, Arch.x64, 'Berth.app/Contents/Resources', 'x86 image'],
    [Platform.WINDOWS, Arch.x64, 'resources', 'x86 image'],
    [Platform.LINUX, Arch.x64, 'resources', 'x86 image'],
  ];
  // Every target the configuration builds is one of these.
  const configured = (['mac', 'win', 'linux'] as const).flatMap((os) =>
    config[os].target.flatMap((x) => x.arch.map((a) => `${os}:${a}`)),
  );
  assert.deepEqual(
    [...new Set(configured)].sort(),
    builds.map(([p, a]) => `${p.buildConfigurationKey}:${Arch[a]}`).sort(),
  );
  for (const [platform, arch, resources, mark] of builds) {
    const c = context(platform, arch);
    const dir = await pack(c);
    assert.equal(dir, path.join(c.appOutDir, resources, 'vm-image'), `${platform.name} ${Arch[arch]}`);
    const extra = mark === 'arm image' ? ['extra.img'] : [];
    assert.deepEqual(fs.readdirSync(dir).sort(), [...ARTIFACTS, ...extra, 'manifest.json'].sort());
    for (const name of [...ARTIFACTS, ...extra])
      assert.equal(fs.readFileSync(path.join(dir, name), 'utf8'), `${mark} ${name}`);
    // The app hands <resources>/vm-image to its host agents through BERTH_IMAGE_DIR, and a machine of
    // the app's own architecture (the default on that computer) finds it there, checked.
    const own = nativeArch(Arch[arch]);
    assert.equal(imageCandidates(own, { BERTH_IMAGE_DIR: dir })[0], dir);
    assert.equal(locateImage({ arch: own, env: { BERTH_IMAGE_DIR: dir } }).dir, dir);
  }
});

test('an image made before images had an architecture counts as x86_64', async (t) => {
  const { projectDir, context } = packing(t, {});
  fakeImage(path.join(projectDir, 'vm-images', 'out'), undefined, 'old image');
  const dir = await pack(context(Platform.LINUX, Arch.x64));
  assert.equal(fs.readFileSync(path.join(dir, 'vmlinuz'), 'utf8'), 'old image vmlinuz');
});

test('a build whose image is missing stops before packing, in one line naming the command that builds it', async (t) => {
  const { projectDir, context } = packing(t, { x86: true });
  const oneLine = (command: string) => (e: Error) => !e.message.includes('\n') && e.message.includes(`"${command}"`);
  await assert.rejects(beforePack(context(Platform.MAC, Arch.arm64)), oneLine('npm run build:vm -- --arch aarch64'));
  await assert.rejects(afterPack(context(Platform.MAC, Arch.arm64)), oneLine('npm run build:vm -- --arch aarch64'));
  fs.rmSync(path.join(projectDir, 'vm-images', 'out', 'rootfs.squashfs'));
  await assert.rejects(beforePack(context(Platform.WINDOWS, Arch.x64)), oneLine('npm run build:vm -- --arch x86_64'));
  await assert.rejects(beforePack(context(Platform.LINUX, Arch.x64)), /rootfs\.squashfs missing/);
  // A file the manifest lists is as needed as the three every image has.
  fakeImage(path.join(projectDir, 'vm-images', 'out'), 'x86_64', 'x86 image', ['extra.img']);
  await beforePack(context(Platform.LINUX, Arch.x64));
  fs.rmSync(path.join(projectDir, 'vm-images', 'out', 'extra.img'));
  await assert.rejects(beforePack(context(Platform.LINUX, Arch.x64)), /extra\.img missing.*--arch x86_64/);
  // The other architecture's image in a folder is no image for this one.
  fakeImage(path.join(projectDir, 'vm-images', 'out-aarch64'), 'x86_64', 'misplaced');
  await assert.rejects(beforePack(context(Platform.MAC, Arch.arm64)), /manifest says x86_64.*--arch aarch64/);
  // An architecture Berth has no image for (and a universal macOS app, which would need both).
  for (const arch of [Arch.ia32, Arch.armv7l, Arch.universal])
    await assert.rejects(beforePack(context(Platform.MAC, arch)), /x64 and arm64 only/);
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
