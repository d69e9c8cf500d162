// Saving a paused VM to a file and loading it back, with QEMU's migration (QMP `migrate` to an
// exec: URI, and `-incoming defer` + `migrate-incoming`). QEMU 7.2 has no file: URI, so a `cat`
// run by /bin/sh carries the stream (POSIX hosts only).
import type { QmpClient } from './qmp';
import { shellQuote } from './saved-vm';
import { sleep } from '../../base/time';

/** QEMU throttles migration to 128 MiB/s by default (it assumes a network); a file takes all it can. */
const UNLIMITED_BYTES_PER_S = 1e12;

export interface MigrationInfo {
  status: string;
  error?: string;
  bytes?: number;
}

/** The part of a query-migrate answer we act on. */
export function migrationInfo(reply: unknown): MigrationInfo {
  const r = (reply ?? {}) as { status?: unknown; 'error-desc'?: unknown; ram?: { transferred?: unknown } };
  const info: MigrationInfo = { status: typeof r.status === 'string' ? r.status : 'none' };
  if (typeof r['error-desc'] === 'string') info.error = r['error-desc'];
  if (typeof r.ram?.transferred === 'number') info.bytes = r.ram.transferred;
  return info;
}

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/** Polls query-migrate until the migration has ended; rejects after timeoutMs. */
export async function waitMigration(qmp: QmpClient, timeoutMs: number, pollMs = 20): Promise<MigrationInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = migrationInfo(await qmp.execute('query-migrate'));
    if (ENDED.has(info.status)) return info;
    if (Date.now() > deadline)
      throw new Error(`saving the machine's memory took longer than ${Math.round(timeoutMs / 1000)} s`);
    await sleep(pollMs);
  }
}

/**
 * Pauses the VM and writes its memory and device state to `file`. On failure the VM runs on as
 * before and the error says why (QEMU refuses, for example, while a 9p share is mounted).
 */
export async function saveToFile(qmp: QmpClient, file: string, timeoutMs: number): Promise<MigrationInfo> {
  await qmp.execute('migrate-set-parameters', { 'max-bandwidth': UNLIMITED_BYTES_PER_S });
  // Paused first: nothing changes while it is written, so one pass writes each page once.
  await qmp.execute('stop');
  try {
    await qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(file)}` });
    const info = await waitMigration(qmp, timeoutMs);
    if (info.status !== 'completed') throw new Error(info.error ?? `QEMU ended the save: ${info.status}`);
    return info;
  } catch (e) {
    await qmp.execute('cont').catch(() => undefined);
    throw e;
  }
}

/**
 * Loads a VM started with `-incoming defer` from `file`. It was saved paused, so it stays paused
 * once loaded: the caller decides when it runs (`cont`).
 */
export async function loadFromFile(qmp: QmpClient, file: string, timeoutMs: number, pollMs = 20): Promise<void> {
  await qmp.execute('migrate-incoming', { uri: `exec:cat ${shellQuote(file)}` });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A stream QEMU cannot load makes it exit: the caller sees the process and its stderr.
    const status = (await qmp.execute<{ status: string }>('query-status')).status;
    if (status === 'paused') return;
    if (status !== 'inmigrate') throw new Error(`the VM is ${status} after loading its memory`);
    if (Date.now() > deadline)
      throw new Error(`loading the machine's memory took longer than ${Math.round(timeoutMs / 1000)} s`);
    await sleep(pollMs);
  }
}
