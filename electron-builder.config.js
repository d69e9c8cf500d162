// electron-builder configuration of the Berth desktop app (`npx electron-builder`).
// Checked against electron-builder's own schema by test/unit/shell-builder-config.test.ts.
// Before packaging: `npm run build` (out/app), the dashboard build (renderer/dist)
// and `npm run build:vm` (vm-images/out), which ships as resources/vm-image,
// where app/core/image.ts looks for it (process.resourcesPath/vm-image).

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
  extraResources: [
    {
      from: 'vm-images/out',
      to: 'vm-image',
      filter: ['vmlinuz', 'initrd.img', 'rootfs.squashfs', 'manifest.json'],
    },
  ],
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
