import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, tempHome } from '../helpers/cli';

const START = path.join(REPO, 'scripts', 'start.js');
const LINE =
  'berth: the Electron runtime is not installed here, so the desktop app cannot start; use "berth ui" to open the same dashboard in your browser.';

function runtimeInstalled(): boolean {
  try {
    // The electron package's main export is the path of the runtime it downloaded.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved lazily: the package throws when its download is missing
    return fs.existsSync(require('electron') as string);
  } catch {
    return false;
  }
}

function launch(env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [START], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('without the Electron runtime the launcher says so in one line, exits 1, no stack trace', () => {
  const r = launch({ BERTH_ELECTRON_MODULE: path.join(tempHome('bst'), 'no-such-electron') });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, LINE + '\n');
});

test('a stand-in electron whose binary is missing counts as no runtime', () => {
  const dir = tempHome('bst');
  const mod = path.join(dir, 'electron-stub.js');
  fs.writeFileSync(mod, `module.exports = ${JSON.stringify(path.join(dir, 'dist', 'electron'))};\n`);
  const r = launch({ BERTH_ELECTRON_MODULE: mod });
  assert.deepEqual([r.status, r.stderr], [1, LINE + '\n']);
});

test(
  'on this machine (the real electron package, no binary) `npm start` prints the line once and no stack',
  { skip: runtimeInstalled() && 'the Electron runtime is installed here' },
  () => {
    const direct = launch({ BERTH_ELECTRON_MODULE: '' });
    assert.deepEqual([direct.status, direct.stderr], [1, LINE + '\n']);
    const npm = spawnSync('npm', ['start'], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, BERTH_ELECTRON_MODULE: '' },
    });
    assert.notEqual(npm.status, 0);
    const all = `${npm.stdout}\n${npm.stderr}`;
    assert.equal(all.split(LINE).length - 1, 1, all);
    assert.doesNotMatch(all, /^\s+at .+[:(]\d+/m, 'no stack frames');
    assert.doesNotMatch(all, /Error:|Electron failed to install/);
  },
);

test(
  'with a runtime it runs Electron on the app folder, without ELECTRON_RUN_AS_NODE, and passes on its exit code',
  { skip: process.platform === 'win32' },
  () => {
    const dir = tempHome('bst');
    const record = path.join(dir, 'ran.json');
    const fake = path.join(dir, 'electron');
    fs.writeFileSync(
      fake,
      `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), asNode: process.env.ELECTRON_RUN_AS_NODE ?? null }));\nprocess.exit(3);\n`,
      { mode: 0o755 },
    );
    const mod = path.join(dir, 'electron-stub.js');
    fs.writeFileSync(mod, `module.exports = ${JSON.stringify(fake)};\n`);
    const r = launch({ BERTH_ELECTRON_MODULE: mod, BERTH_START_SKIP_BUILD: '1', ELECTRON_RUN_AS_NODE: '1' });
    assert.equal(r.status, 3, r.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(record, 'utf8')), { argv: [REPO], asNode: null });
  },
);
