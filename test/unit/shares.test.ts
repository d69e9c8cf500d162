// One spelling for each shared folder, on every platform the setting may be written on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseShare, normaliseShares, sharedFolders } from '../../app/base/shares';

test('a share is normalised: separators and "." go, the home folder is "~"', () => {
  const posix = (s: string) => normaliseShare(s, 'linux', '/home/u');
  assert.equal(posix('~/'), '~');
  assert.equal(posix('~//'), '~');
  assert.equal(posix('~/./code//x/'), '~/code/x');
  assert.equal(posix('/home/u'), '~');
  assert.equal(posix('/home/u/code/'), '~/code');
  assert.equal(posix('/home/user2'), '/home/user2');
  assert.equal(posix('/a/./b/'), '/a/b');
  assert.equal(posix('/'), '/');
  assert.equal(posix('/ü/ß'), '/ü/ß');
  // ".." is left for the settings check to refuse; an empty or relative share too.
  assert.equal(posix('/a/../b'), '/a/../b');
  assert.equal(posix(''), '');
  assert.equal(posix('code'), 'code');
});

test('Windows shares: drive letters, both separators, the home folder in any case', () => {
  const win = (s: string) => normaliseShare(s, 'win32', 'C:\\Users\\Me');
  assert.equal(win('d:/src/./app/'), 'D:\\src\\app');
  assert.equal(win('D:\\src\\app'), 'D:\\src\\app');
  assert.equal(win('c:/'), 'C:\\');
  assert.equal(win('c:/users/me/'), '~');
  assert.equal(win('C:\\Users\\Me\\code\\'), '~/code');
  assert.equal(win('~\\code\\'), '~/code');
  assert.deepEqual(normaliseShares(['~', 'C:\\Users\\Me', 'd:/x', 'D:\\x\\'], 'win32', 'C:\\Users\\Me'), [
    '~',
    'D:\\x',
  ]);
});

test('a folder listed twice is mounted once, the tags numbered without gaps', () => {
  assert.deepEqual(sharedFolders(['~', '/home/u', '/srv', '/srv/'], '/home/u', 'linux'), [
    { hostPath: '/home/u', guestPath: '/home/u', tag: 'berth0' },
    { hostPath: '/srv', guestPath: '/srv', tag: 'berth1' },
  ]);
});
