// The image build's private trixie apt configuration and the choice of Go toolchain packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aptOptions, hostMirrors, sourcesList } from '../../vm-images/build/aptsource';
import { isGoPackage } from '../../vm-images/build/toolchain';

const HOST = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

test("the host's mirrors are reused for trixie (main and security), deb.debian.org otherwise", () => {
  assert.deepEqual(hostMirrors(HOST), {
    main: 'http://mirror.example/debian',
    security: 'http://mirror.example/debian-security',
  });
  assert.deepEqual(hostMirrors(''), {
    main: 'http://deb.debian.org/debian',
    security: 'http://deb.debian.org/debian-security',
  });
});

test('the private sources list has binary and source entries for trixie, its updates and security', () => {
  const list = sourcesList(hostMirrors(HOST));
  for (const suite of ['trixie', 'trixie-updates'])
    for (const t of ['deb', 'deb-src'])
      assert.match(list, new RegExp(`^${t} \\[signed-by=\\S+\\] http://mirror\\.example/debian ${suite} main$`, 'm'));
  assert.match(list, /^deb-src \[signed-by=\S+\] http:\/\/mirror\.example\/debian-security trixie-security main$/m);
  assert.doesNotMatch(list, /bookworm/);
});

test("apt never reads the host's sources, preferences or installed packages", () => {
  const opts = aptOptions().filter((o) => o !== '-o');
  for (const key of ['Dir::Etc::SourceList', 'Dir::Etc::SourceParts', 'Dir::State::Lists', 'Dir::Cache'])
    assert.ok(
      opts.some((o) => o.startsWith(`${key}=`) && !o.includes('=/etc/')),
      key,
    );
  assert.ok(opts.includes('Dir::State::status=/dev/null'));
});

test('the toolchain is the Go compiler and the golang-* packages, nothing else of the build-deps', () => {
  for (const n of ['golang-1.24-go', 'golang-1.24-src', 'golang-github-moby-sys-dev']) assert.ok(isGoPackage(n), n);
  for (const n of ['gcc', 'debhelper', 'libseccomp-dev', 'go-md2man', 'gotestsum']) assert.ok(!isGoPackage(n), n);
});
