// The image is built from Debian 13 (trixie) packages on a Debian 12 host (CI's machine). The host's
// apt setup is never changed: every apt-get and apt-cache call of the build goes through a private
// configuration under cache/apt-<dist>/ (its own sources list, package lists and download cache,
// and an empty dpkg status, so nothing installed on the host counts), on the host's own mirror.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CACHE_DIR, DIST } from './config';
import { runCapture } from './exec';
import { BuildError, info } from './log';

export const APT_DIR = path.join(CACHE_DIR, `apt-${DIST}`);
const SOURCES = path.join(APT_DIR, 'sources.list');
const LISTS = path.join(APT_DIR, 'lists');
const EMPTY = path.join(APT_DIR, 'empty.d');
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
export function aptOptions(): string[] {
  return [
    `Dir::Etc::SourceList=${SOURCES}`,
    `Dir::Etc::SourceParts=${EMPTY}`,
    `Dir::Etc::Preferences=/dev/null`,
    `Dir::Etc::PreferencesParts=${EMPTY}`,
    `Dir::State::Lists=${LISTS}`,
    `Dir::State::status=/dev/null`,
    `Dir::Cache=${path.join(APT_DIR, 'cache')}`,
    `APT::Architecture=amd64`,
    `APT::Architectures=amd64`,
  ].flatMap((o) => ['-o', o]);
}

let ready: Promise<void> | undefined;

async function writeConfig(): Promise<void> {
  const host = await fs.readFile(HOST_SOURCES, 'utf8').catch(() => '');
  await fs.mkdir(path.join(LISTS, 'partial'), { recursive: true });
  await fs.mkdir(path.join(APT_DIR, 'cache/archives/partial'), { recursive: true });
  await fs.mkdir(EMPTY, { recursive: true });
  await fs.writeFile(SOURCES, sourcesList(hostMirrors(host)));
  // apt's sandbox user reads the lists and writes the downloads.
  await fs.chmod(APT_DIR, 0o755);
}

/** `apt-get update` of the private lists. */
export async function refreshLists(): Promise<void> {
  await writeConfig();
  info(`apt-get update (${DIST}, private lists in ${path.relative(CACHE_DIR, APT_DIR)})`);
  const r = await runCapture('apt-get', [...aptOptions(), 'update', '-q']);
  if (r.code !== 0) {
    const err = r.stderr.split('\n').find((l) => /^(E|Err):/.test(l)) ?? r.stderr.trim();
    throw new BuildError(`apt-get update of the ${DIST} package lists failed: ${err}`);
  }
}

/** The private configuration, with package lists fetched once if there are none yet. */
export function ensureAptReady(): Promise<void> {
  ready ??= (async () => {
    await writeConfig();
    const lists = await fs.readdir(LISTS).catch(() => [] as string[]);
    if (!lists.some((f) => f.includes('_Packages'))) await refreshLists();
  })();
  return ready;
}

/** apt-get or apt-cache with the private configuration. */
export async function apt(
  cmd: 'apt-get' | 'apt-cache',
  args: string[],
  opts: { cwd?: string } = {},
): ReturnType<typeof runCapture> {
  await ensureAptReady();
  return runCapture(cmd, [...aptOptions(), ...args], opts);
}
