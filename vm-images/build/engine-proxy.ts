// The guest's engine proxy (guest/engine-proxy/engine-proxy.c): the Docker socket's direct path
// from the host, which checks the machine's secret and then splices to /var/run/docker.sock. A
// small C program compiled statically with the target's gcc (the toolchain the kernel and iptables
// already need: the host's, or the aarch64 cross compiler), once, then kept in cache/built/ under a
// name made of its source, flags and compiler.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Target } from './arch';
import { BUILT_DIR, GUEST_DIR } from './config';
import { assertStatic } from './elf';
import { run } from './exec';
import { exists } from './fsutil';
import { buildKey } from './hash';
import { info } from './log';

/** Where the program goes in the root (the boot script starts it from there). */
export const ENGINE_PROXY_AT = '/usr/sbin/berth-engine-proxy';

const SOURCE = path.join(GUEST_DIR, 'engine-proxy', 'engine-proxy.c');
const CFLAGS = ['-static', '-Os', '-Wall', '-Wextra', '-Werror'];

export async function engineProxy(t: Target): Promise<string> {
  const source = await fs.readFile(SOURCE, 'utf8');
  const cc = `${t.toolPrefix}gcc`;
  const key = await buildKey(JSON.stringify({ source, CFLAGS, cc }), ['engine-proxy.ts']);
  const out = path.join(BUILT_DIR, `berth-engine-proxy-${t.arch}-${key}`);
  if (await exists(out)) {
    info('engine proxy cached');
    return out;
  }
  await fs.mkdir(BUILT_DIR, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await run(cc, [...CFLAGS, '-o', tmp, SOURCE]);
    await run(`${t.toolPrefix}strip`, [tmp]);
    await assertStatic(tmp, 'the engine proxy');
    await fs.rename(tmp, out);
  } finally {
    await fs.rm(tmp, { force: true });
  }
  info(`engine proxy built (${((await fs.stat(out)).size / 1024).toFixed(0)} KiB)`);
  return out;
}
