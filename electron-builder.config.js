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
