import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonJson } from '../../app/base/vm-spec';
import { coveredSystemFolder, sharedFolders } from '../../app/base/shares';
import { defaultSettings } from '../../app/base/settings/schema';

test('shared folders: ~ is the home folder, paths are normalised, the guest sees the same path', () => {
  assert.deepEqual(sharedFolders(['~', '~/code/', '/Volumes/work//x'], '/Users/me', 'darwin'), [
    { hostPath: '/Users/me', guestPath: '/Users/me', tag: 'berth0' },
    { hostPath: '/Users/me/code', guestPath: '/Users/me/code', tag: 'berth1' },
    { hostPath: '/Volumes/work/x', guestPath: '/Volumes/work/x', tag: 'berth2' },
  ]);
  assert.deepEqual(sharedFolders(['/'], '/home/u', 'linux'), [{ hostPath: '/', guestPath: '/', tag: 'berth0' }]);
});

test('shared folders on Windows: a drive path is seen as /c/... in the machine', () => {
  assert.deepEqual(sharedFolders(['~', 'D:/src/app'], 'C:\\Users\\Me', 'win32'), [
    { hostPath: 'C:\\Users\\Me', guestPath: '/c/Users/Me', tag: 'berth0' },
    { hostPath: 'D:\\src\\app', guestPath: '/d/src/app', tag: 'berth1' },
  ]);
});

test('daemon.json carries only the engine settings that are set', () => {
  assert.equal(daemonJson(defaultSettings()), '{}\n');
  const s = { ...defaultSettings(), engine: { ...defaultSettings().engine, insecureRegistries: ['10.0.2.2:5000'] } };
  assert.deepEqual(JSON.parse(daemonJson(s)), { 'insecure-registries': ['10.0.2.2:5000'] });
});

test("a share may not cover the machine's own folders; home folders and /tmp may be shared", () => {
  assert.equal(coveredSystemFolder('/'), '/');
  assert.equal(coveredSystemFolder('/var/www'), '/var');
  assert.equal(coveredSystemFolder('/etc'), '/etc');
  assert.equal(coveredSystemFolder('/variable'), undefined);
  for (const ok of ['/home/u', '/root', '/Users/me', '/tmp/x', '/c/Users/Me', '/Volumes/work'])
    assert.equal(coveredSystemFolder(ok), undefined, ok);
});
