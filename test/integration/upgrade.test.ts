// Upgrading in place, for real: a data disk written by the previous image (Debian 12, Docker 20.10;
// test/fixtures/upgrade/debian12, made by vm-images/scripts/make-upgrade-fixture.sh, whose command
// and source image are in its expected.json) is booted by the current image, and every image,
// container (stopped ones too, with their names and settings), named volume, network and the
// SSH host key is still there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { berth, berthSync, REPO, tempHome } from '../helpers/cli';

const run = promisify(execFile);
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'upgrade', 'debian12');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as {
  madeBy: { engine: string };
  sshHostKeySha256: string;
  images: Record<string, string>;
  containers: Record<string, string>;
  networks: string[];
};
const home = tempHome('bu');
const dir = path.join(home, 'machines', 'default');
const sock = path.join(dir, 'docker.sock');
process.env.DOCKER_CONFIG = path.join(home, 'docker-config');
const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${sock}` };

async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { env: dockerEnv, timeout: 120000 })).stdout;
}

describe('an upgrade in place', { concurrency: false }, () => {
  before(() => {
    const r = berthSync(home, ['init', '--memory', '1024', '--disk', '4', '--no-share']);
    assert.equal(r.code, 0, r.stderr);
    // The folder of a machine the old Berth made: it pinned the key its guest made at the first
    // boot, and has no host key pair of its own (Berth makes one at `init` since then; given one,
    // the guest would replace the disk's key, and the old pin would no longer match).
    fs.rmSync(path.join(dir, 'ssh', 'host_ed25519_key'));
    fs.rmSync(path.join(dir, 'ssh', 'host_ed25519_key.pub'));
    fs.writeFileSync(path.join(dir, 'ssh', 'known_host'), expected.sshHostKeySha256 + '\n', { mode: 0o600 });
    // The disk the old image wrote (1 GiB; the machine grows it to 4 GiB at start).
    fs.writeFileSync(
      path.join(dir, 'data.qcow2'),
      execFileSync('xz', ['-dc', path.join(FIXTURE, 'data.qcow2.xz')], { maxBuffer: 1 << 30 }),
    );
  });

  after(async () => {
    await berth(home, ['down', '--shutdown']);
  });

  test('the new image boots on the old disk, and the engine is the new one', async () => {
    const r = await berth(home, ['up']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const v = (await docker('version', '--format', '{{.Server.Version}}')).trim();
    assert.notEqual(v, expected.madeBy.engine);
    assert.match(v, /^26\./);
  });

  test('the SSH host key the old image made is the one pinned', () => {
    assert.equal(fs.readFileSync(path.join(dir, 'ssh', 'known_host'), 'utf8').trim(), expected.sshHostKeySha256);
  });

  test('images, containers, volumes and networks are all there', async () => {
    const images = (await docker('image', 'ls', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}')).trim().split('\n');
    for (const [tag, id] of Object.entries(expected.images))
      assert.ok(images.includes(`${tag} ${id}`), images.join(', '));
    const ps = (await docker('ps', '-a', '--format', '{{.Names}} {{.ID}}')).trim().split('\n');
    for (const [name, id] of Object.entries(expected.containers))
      assert.ok(ps.includes(`${name} ${id}`), ps.join(', '));
    assert.match(await docker('volume', 'ls', '--format', '{{.Name}}'), /^keep-me$/m);
    for (const n of expected.networks)
      assert.match(await docker('network', 'ls', '--format', '{{.Name}}'), new RegExp(`^${n}$`, 'm'));
  });

  test("a stopped container keeps its settings, and runs again with its volume's data", async () => {
    const c = JSON.parse(await docker('inspect', 'created-only'))[0];
    assert.ok(c.Config.Env.includes('KEEP=created'));
    assert.equal(c.Config.Labels['berth.fixture'], 'created');
    assert.deepEqual(c.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
    assert.deepEqual(c.HostConfig.PortBindings['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: '18080' }]);
    const ran = JSON.parse(await docker('inspect', 'ran-once'))[0];
    assert.equal(ran.State.Status, 'exited');
    assert.equal(ran.State.ExitCode, 0);
    assert.ok(ran.NetworkSettings.Networks['keep-net'], Object.keys(ran.NetworkSettings.Networks).join(','));
    // It ran under the old engine; started by the new one it prints what it wrote into the volume.
    assert.equal((await docker('start', '-a', 'ran-once')).trim(), 'written-by-the-old-engine');
  });
});
