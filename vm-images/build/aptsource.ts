// The image is built from Debian 13 (trixie) packages on a Debian 12 host (CI's machine). The host's
// apt setup is never changed: every apt-get and apt-cache call of the build goes through a private
// configuration under cache/apt-<dist>/ (its own sources list, package lists and download cache,
// and an empty dpkg status, so nothing installed on the host counts), on the host's own mirror.
// Another architecture's packages (arm64) have a configuration of their own, cache/apt-<dist>-<arch>/,
// whose apt sees that architecture as its native one: the host's dpkg never learns of it
// (no `dpkg --add-architecture`), and the amd64 configuration stays as it was.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CACHE_DIR, DIST } from './config';
import { runCapture } from './exec';
import { BuildError, info } from './log';
import { HOST_DEBIAN_ARCH } from './pins';

/** The private configuration's folder for a Debian architecture (amd64 keeps its first name). */
export function aptDir(debianArch: string = HOST_DEBIAN_ARCH): string {
  return path.join(CACHE_DIR, debianArch === HOST_DEBIAN_ARCH ? `apt-${DIST}` : `apt-${DIST}-${debianArch}`);
}
const dirs = (arch: string) => {
  const dir = aptDir(arch);
  return {
    dir,
    sources: path.join(dir, 'sources.list'),
    lists: path.join(dir, 'lists'),
    empty: path.join(dir, 'empty.d'),
  };
};
/** Debian 12's debian-archive-keyring also holds the trixie signing keys. */
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const HOST_SOURCES = '/etc/apt/sources.list.d/debian.sources';
const DEFAULT_MIRRORS = { main: 'http://deb.debian.org/debian', security: 'http://deb.debian.org/debian-security' };

/** The host's Debian mirrors (main archive, security archive), from its deb822 sources. */
export function hostMirrors(deb822: string): { main: string; security: string } {
  const out = { ...DEFAULT_MIRRORS };
  for (const stanza of deb822.split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1] ?? '';
    if (!uri) continue;
    if (/-security\b/.test(suites)) out.security = uri;
    else if (suites.trim()) out.main = uri;
  }
  return out;
}

/** The private sources list: binary and source entries for DIST and its security archive. */
export function sourcesList(m: { main: string; security: string }): string {
  const o = `[signed-by=${KEYRING}]`;
  return [
    `deb ${o} ${m.main} ${DIST} main`,
    `deb-src ${o} ${m.main} ${DIST} main`,
    `deb ${o} ${m.main} ${DIST}-updates main`,
    `deb-src ${o} ${m.main} ${DIST}-updates main`,
    `deb ${o} ${m.security} ${DIST}-security main`,
    `deb-src ${o} ${m.security} ${DIST}-security main`,
    '',
  ].join('\n');
}

/** The -o options that point apt at the private configuration. */
export function aptOptions(debianArch: string = HOST_DEBIAN_ARCH): string[] {
  const d = dirs(debianArch);
  return [
    `Dir::Etc::SourceList=${d.sources}`,
    `Dir::Etc::SourceParts=${d.empty}`,
    `Dir::Etc::Preferences=/dev/null`,
    `Dir::Etc::PreferencesParts=${d.empty}`,
    `Dir::State::Lists=${d.lists}`,
    `Dir::State::status=/dev/null`,
    `Dir::Cache=${path.join(d.dir, 'cache')}`,
    `APT::Architecture=${debianArch}`,
    `APT::Architectures=${debianArch}`,
  ].flatMap((o) => ['-o', o]);
}

const ready = new Map<string, Promise<void>>();

async function writeConfig(debianArch: string): Promise<void> {
  const d = dirs(debianArch);
  const host = await fs.readFile(HOST_SOURCES, 'utf8').catch(() => '');
  await fs.mkdir(path.join(d.lists, 'partial'), { recursive: true });
  await fs.mkdir(path.join(d.dir, 'cache/archives/partial'), { recursive: true });
  await fs.mkdir(d.empty, { recursive: true });
  await fs.writeFile(d.sources, sourcesList(hostMirrors(host)));
  // apt's sandbox user reads the lists and writes the downloads.
  await fs.chmod(d.dir, 0o755);
}

/** `apt-get update` of the private lists. */
export async function refreshLists(debianArch: string = HOST_DEBIAN_ARCH): Promise<void> {
  await writeConfig(debianArch);
  info(`apt-get update (${DIST} ${debianArch}, private lists in ${path.relative(CACHE_DIR, aptDir(debianArch))})`);
  const r = await runCapture('apt-get', [...aptOptions(debianArch), 'update', '-q']);
  if (r.code !== 0) {
    const err = r.stderr.split('\n').find((l) => /^(E|Err):/.test(l)) ?? r.stderr.trim();
    throw new BuildError(`apt-get update of the ${DIST} ${debianArch} package lists failed: ${err}`);
  }
}

/** The private configuration, with package lists fetched once if there are none yet. */
export function ensureAptReady(debianArch: string = HOST_DEBIAN_ARCH): Promise<void> {
  let p = ready.get(debianArch);
  if (!p) {
    p = (async () => {
      await writeConfig(debianArch);
      const lists = await fs.readdir(dirs(debianArch).lists).catch(() => [] as string[]);
      if (!lists.some((f) => f.includes('_Packages'))) await refreshLists(debianArch);
    })();
    ready.set(debianArch, p);
  }
  return p;
}

/** apt-get or apt-cache with the private configuration of a Debian architecture (default amd64). */
export async function apt(
  cmd: 'apt-get' | 'apt-cache',
  args: string[],
  opts: { cwd?: string; arch?: string } = {},
): ReturnType<typeof runCapture> {
  const arch = opts.arch ?? HOST_DEBIAN_ARCH;
  await ensureAptReady(arch);
  return runCapture(cmd, [...aptOptions(arch), ...args], { cwd: opts.cwd });
}
