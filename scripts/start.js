#!/usr/bin/env node
// `npm start`: builds the app and the dashboard, then runs the desktop app in
// Electron. Where the Electron runtime is not installed (the npm package
// without its binary, as on the build machines), says so in one line and
// points to `berth ui`, which serves the same dashboard to a browser.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const NO_RUNTIME =
  'berth: the Electron runtime is not installed here, so the desktop app cannot start; use "berth ui" to open the same dashboard in your browser.';

/** The Electron binary, or undefined. require('electron') from Node gives its path, and throws when the download was skipped. */
function electronBinary() {
  try {
    // BERTH_ELECTRON_MODULE: tests put a stand-in module here.
    const p = require(process.env.BERTH_ELECTRON_MODULE || 'electron');
    return typeof p === 'string' && fs.existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function npm(args) {
  const cli = process.env.npm_execpath;
  return cli && /\.c?js$/.test(cli)
    ? spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, stdio: 'inherit' })
    : spawnSync('npm', args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
}

function main() {
  const bin = electronBinary();
  if (!bin) {
    process.stderr.write(NO_RUNTIME + '\n');
    process.exitCode = 1;
    return;
  }
  if (!process.env.BERTH_START_SKIP_BUILD) {
    for (const script of ['build', 'build:ui']) {
      const r = npm(['run', script, '--silent']);
      if (r.status !== 0) {
        process.stderr.write(`berth: "npm run ${script}" failed (see above), so the desktop app was not started.\n`);
        process.exitCode = r.status || 1;
        return;
      }
    }
  }
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // inherited, it would make Electron a plain Node
  const child = spawn(bin, [ROOT, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => {
    process.stderr.write(`berth: could not run Electron (${bin}): ${e.message}\n`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

main();
