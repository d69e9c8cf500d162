// A real machine made for two things the main suite's machine cannot show: its SSH host key is
// made on the host before the first boot (so the very first connection is already pinned), and a
// shared folder whose path has a space, quotes and a non-ASCII letter works end to end, saved
// memory included (the guest reads mount points back from /proc/mounts, which escapes spaces).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as os from 'node:os';
import { machinePaths } from '../../app/base/paths';
import { ensureHostKey, fingerprint } from '../../app/base/ssh-keys';
import { berth, berthSync, tempHome } from '../helpers/cli';
import { busyboxRootfsTar } from '../helpers/tiny-image';
import { machineLogs } from '../helpers/machine-logs';

const run = promisify(execFile);
const home = tempHome('bk');
const dir = path.join(home, 'machines', 'default');
const outer = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-odd-'));
const shared = path.join(outer, `My Project 'q' "dq" Zoë`);
const sock = path.join(dir, 'docker.sock');
process.env.DOCKER_CONFIG = path.join(home, 'docker-config');
const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${sock}` };

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, { env: dockerEnv, timeout: 120000 });
  return r.stdout;
}

const status = () => JSON.parse(berthSync(home, ['status', '--json']).stdout);
const knownHost = () => fs.readFileSync(path.join(dir, 'ssh', 'known_host'), 'utf8');

describe(
  'a machine with its host key made on the host and an oddly named shared folder',
  { concurrency: false },
  () => {
    before(() => {
      fs.mkdirSync(shared);
      const r = berthSync(home, ['init', '--memory', '1024', '--disk', '8', '--share', shared]);
      assert.equal(r.code, 0, r.stderr);
    });

    after(async () => {
      await berth(home, ['down', '--shutdown']);
      fs.rmSync(outer, { recursive: true, force: true });
    });

    test('the host key is pinned before the first boot, and the first connection is accepted by that pin', async () => {
      const pinned = knownHost();
      assert.match(pinned, /^SHA256:[A-Za-z0-9+/]{43}\n$/);
      const pub = fs.readFileSync(path.join(dir, 'ssh', 'host_ed25519_key.pub'), 'utf8');
      assert.equal(fingerprint(Buffer.from(pub.split(' ')[1], 'base64')) + '\n', pinned);
      assert.equal(fs.statSync(path.join(dir, 'ssh', 'host_ed25519_key')).mode & 0o777, 0o600);
      assert.equal(fs.existsSync(path.join(dir, 'console.log')), false, 'never booted yet');

      const r = await berth(home, ['up']);
      assert.equal(r.code, 0, r.stderr + machineLogs(dir));
      assert.equal(knownHost(), pinned, 'the pin is the one made at creation');
      assert.equal(fs.statSync(path.join(dir, 'guest', 'ssh_host_key')).mode & 0o777, 0o600);
      // berth ssh trusts only the pinned key too.
      const s = await berth(home, ['ssh', '--', 'echo in-the-vm']);
      assert.equal(s.stdout.trim(), 'in-the-vm', s.stderr);
    });

    test('a shared folder with a space, quotes and a non-ASCII letter works in bind mounts both ways', async () => {
      fs.writeFileSync(path.join(shared, 'from-host.txt'), 'written on the host\n');
      await docker('import', busyboxRootfsTar(), 'tiny:1');
      const out = await docker(
        'run',
        '--rm',
        '-v',
        `${shared}:/data`,
        'tiny:1',
        '/bin/sh',
        '-c',
        'cat /data/from-host.txt && echo made-in-a-container >/data/from-container.txt',
      );
      assert.equal(out, 'written on the host\n');
      assert.equal(fs.readFileSync(path.join(shared, 'from-container.txt'), 'utf8'), 'made-in-a-container\n');
    });

    test('down saves the memory (the shared folder unmounts) and up resumes with it mounted again', async () => {
      const d = await berth(home, ['down']);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stderr, /memory is saved/, d.stderr + machineLogs(dir));
      assert.doesNotMatch(d.stderr, /shutting it down instead/);
      assert.ok(status().saved, 'the status says the memory is saved');
      assert.match(berthSync(home, ['status']).stdout, /^saved: {3}memory saved .*"berth up" resumes it/m);

      const r = await berth(home, ['up']);
      assert.equal(r.code, 0, r.stderr + machineLogs(dir));
      assert.match(r.stderr, /resumed from saved memory/);
      fs.writeFileSync(path.join(shared, 'after-resume.txt'), 'back\n');
      assert.equal(
        await docker('run', '--rm', '-v', `${shared}:/data`, 'tiny:1', '/bin/busybox', 'cat', '/data/after-resume.txt'),
        'back\n',
      );
    });

    test('a new host key given while the data disk holds the old one replaces it: sshd presents what is pinned', async () => {
      assert.equal((await berth(home, ['down', '--shutdown'])).code, 0);
      const old = knownHost();
      for (const f of ['host_ed25519_key', 'host_ed25519_key.pub', 'known_host']) fs.rmSync(path.join(dir, 'ssh', f));
      const pin = ensureHostKey(machinePaths('default', home));
      assert.notEqual(pin + '\n', old);
      const r = await berth(home, ['up']);
      assert.equal(r.code, 0, r.stderr + machineLogs(dir));
      assert.equal(knownHost(), pin + '\n');
    });
  },
);
