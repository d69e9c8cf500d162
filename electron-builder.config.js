// electron-builder configuration of the Berth desktop app (`npx electron-builder`).
// Checked against electron-builder's own schema by test/unit/shell-builder-config.test.ts.
// Before packaging: `npm run build` (out/app), the dashboard build (renderer/dist)
// and the VM image of each architecture packed: `npm run build:vm -- --arch x86_64`
// (vm-images/out) for the x64 builds, `npm run build:vm -- --arch aarch64`
// (vm-images/out-aarch64) for the macOS arm64 one. Each build carries the image of its own
// architecture as resources/vm-image, where the app looks for it (app/shell/packaged-image.ts
// hands it to the host agents as BERTH_IMAGE_DIR; app/base/image.ts reads its manifest's arch).
const fs = require('node:fs');
const path = require('node:path');

/**
 * The image each electron-builder architecture carries, and the command that builds it.
 * electron-builder names an architecture x64 or arm64 (its `${arch}`); Berth x86_64 or aarch64.
 */
const VM_IMAGES = {
  x64: { arch: 'x86_64', folder: 'vm-images/out', build: 'npm run build:vm -- --arch x86_64' },
  arm64: { arch: 'aarch64', folder: 'vm-images/out-aarch64', build: 'npm run build:vm -- --arch aarch64' },
};
/**
 * The image's files: its manifest and every artifact the manifest lists (app/base/image.ts
 * ARTIFACTS at least; an image may carry more, such as binfmt.squashfs), copied as they are.
 */
const VM_IMAGE_ARTIFACTS = ['vmlinuz', 'initrd.img', 'rootfs.squashfs'];
/** Its folder in the app's resources (app/shell/packaged-image.ts). */
const VM_IMAGE_RESOURCE = 'vm-image';

/** electron-builder's name of the architecture a hook's context is for (its Arch enum: 1 x64, 3 arm64). */
function builderArchName(arch) {
  return typeof arch === 'string' ? arch : require('builder-util').Arch[arch];
}

/**
 * The image folder a build for `archName` carries and the files to copy from it, checked: one line
 * naming the command that builds it when it is missing, incomplete or of another architecture (an
 * image made before images had an architecture is x86_64).
 */
function vmImageFor(projectDir, archName) {
  const image = VM_IMAGES[archName];
  if (!image)
    throw new Error(`Berth builds the desktop app for x64 and arm64 only (one VM image each), not for ${archName}`);
  const dir = path.join(projectDir, image.folder);
  const missing = (what) =>
    new Error(`no ${image.arch} VM image in ${dir} for the ${archName} app (${what}): build it with "${image.build}"`);
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  } catch {
    throw missing('no readable manifest.json');
  }
  const manifestArch = manifest.arch ?? 'x86_64';
  if (manifestArch !== image.arch)
    throw new Error(
      `${dir} holds no ${image.arch} VM image (its manifest says ${manifestArch}): build it with "${image.build}"`,
    );
  const files = [...new Set([...VM_IMAGE_ARTIFACTS, ...Object.keys(manifest.artifacts ?? {})])];
  const absent = files.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (absent.length) throw missing(`${absent.join(', ')} missing`);
  return { dir, files: [...files, 'manifest.json'] };
}

/** Before anything is packed: a build whose image is missing stops here, in one line. */
async function beforePack(context) {
  vmImageFor(context.packager.projectDir, builderArchName(context.arch));
}

/**
 * After the app is packed and before it is signed (macOS seals Contents/Resources): the image of
 * the build's own architecture into <resources>/vm-image. A hook rather than extraResources, whose
 * `${arch}` macro gives x64 and arm64 while the images are in out and out-aarch64.
 */
async function afterPack(context) {
  const image = vmImageFor(context.packager.projectDir, builderArchName(context.arch));
  const to = path.join(context.packager.getResourcesDir(context.appOutDir), VM_IMAGE_RESOURCE);
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  for (const f of image.files) fs.copyFileSync(path.join(image.dir, f), path.join(to, f));
}

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'dev.berth.desktop',
  productName: 'Berth',
  copyright: 'Copyright © Berth contributors',
  directories: { output: 'dist-app', buildResources: 'build' },
  // package.json "main" is out/app/shell/main.js. Production dependencies are
  // added by electron-builder itself; the dashboard is bundled, so its
  // libraries stay in devDependencies and out of app.asar.
  files: ['package.json', 'out/app/**/*.js', 'renderer/dist/**/*', '!**/*.map'],
  // The VM image of the build's architecture goes into resources/vm-image (the hooks above).
  beforePack,
  afterPack,
  asar: true,
  // Electron's fuses, flipped in the packaged binary before it is signed. Every fuse
  // @electron/fuses knows is set here on purpose (the unit test fails when an upgrade of
  // electron-builder brings a fuse this file does not decide).
  electronFuses: {
    // ON, deliberately: the desktop app starts its host agent (app/agent/main.js, read from
    // app.asar) by running its own binary with ELECTRON_RUN_AS_NODE=1 (app/shell/main.ts,
    // app/agent/api/client.ts spawnAgent). The agent is a detached process that outlives the
    // app, so the machine keeps running after the window and tray are gone; Electron's
    // utilityProcess, the alternative, ends with the app and cannot be detached. The cost: the
    // signed binary can be run as plain Node by anyone who can already run programs as the user.
    // In Node mode Electron still reads app.asar (its asar support is on unless
    // ELECTRON_NO_ASAR is set), so the agent loads from the archive like the app does.
    runAsNode: true,
    // The app keeps no cookies (the dashboard talks over IPC from berth://app/), so there is
    // nothing to migrate; if one is ever stored it is encrypted with the OS keychain.
    // One-way: turning it off again later would make a stored cookie jar unreadable.
    enableCookieEncryption: true,
    // Off: NODE_OPTIONS (and NODE_EXTRA_CA_CERTS) would let the environment load code into the
    // app and into the host agent (--require); neither needs them.
    enableNodeOptionsEnvironmentVariable: false,
    // Off: --inspect, --inspect-brk and SIGUSR1 would open a debugger that runs any code in the
    // app or the agent, the agent included (the fuse applies in Node mode too).
    enableNodeCliInspectArguments: false,
    // On: app.asar is checked against the hash electron-builder embeds (Info.plist on macOS, a
    // resource on Windows); a changed archive stops the app. Linux has no such check in Electron.
    enableEmbeddedAsarIntegrityValidation: true,
    // On: the app is loaded from app.asar only, never from a resources/app folder placed next to
    // it, so the integrity check above cannot be side-stepped. Everything the app reads is in
    // app.asar (the dashboard from renderer/dist, served by app/shell/app-protocol.ts) or in
    // resources/vm-image, which is read as plain files.
    onlyLoadAppFromAsar: true,
    // Off: Berth ships no browser-process V8 snapshot; turning it on without one stops the app.
    loadBrowserProcessSpecificV8Snapshot: false,
    // Off: the dashboard is served from the berth:// scheme, never from file://, so file:// pages
    // need no privileges beyond a browser's.
    grantFileProtocolExtraPrivileges: false,
  },
  // ssh2's native add-ons are optional (pure JS fallback); rebuilding them here
  // would use the wrong headers.
  npmRebuild: false,
  nodeGypRebuild: false,
  buildDependenciesFromSource: false,
  publish: null,
  mac: {
    category: 'public.app-category.developer-tools',
    target: [{ target: 'dmg', arch: ['x64', 'arm64'] }],
    hardenedRuntime: true,
  },
  dmg: {
    title: '${productName} ${version}',
  },
  win: {
    target: [{ target: 'nsis', arch: ['x64'] }],
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    shortcutName: 'Berth',
  },
  linux: {
    target: [
      { target: 'AppImage', arch: ['x64'] },
      { target: 'deb', arch: ['x64'] },
    ],
    category: 'Development',
    synopsis: 'A working docker with one click',
    maintainer: 'Berth contributors <berth@example.invalid>',
  },
  deb: {
    // electron-builder's default runtime libraries, plus QEMU that runs the machine.
    depends: [
      'libgtk-3-0',
      'libnotify4',
      'libnss3',
      'libxss1',
      'libxtst6',
      'xdg-utils',
      'libatspi2.0-0',
      'libuuid1',
      'libsecret-1-0',
      'qemu-system-x86',
      'qemu-utils',
    ],
  },
};
