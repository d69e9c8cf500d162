// The bench's bulk transfer: `docker load` and `docker save` of a 200 MB image with the real
// docker CLI, through the Berth socket and through the raw TCP forward to the same engine. No
// registry is reachable, so the image is made here in `docker save` format: one layer holding
// one file of random bytes (incompressible, as a real layer of binaries nearly is).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { median } from './report';

export const BULK_TAG = 'berth-bench/bulk:latest';

/** Writes a docker-save-format tar of one `bytes`-long random layer into `dir`; returns its path. */
export function makeBulkImage(dir: string, bytes: number): string {
  const stage = path.join(dir, 'stage');
  const layerRoot = path.join(dir, 'layer-root');
  fs.mkdirSync(layerRoot, { recursive: true });
  const blob = fs.openSync(path.join(layerRoot, 'blob'), 'w');
  for (let left = bytes; left > 0; left -= 1 << 20) fs.writeSync(blob, randomBytes(Math.min(left, 1 << 20)));
  fs.closeSync(blob);
  const layerTar = path.join(dir, 'layer.tar');
  execFileSync('tar', ['-C', layerRoot, '-cf', layerTar, 'blob']);
  fs.rmSync(layerRoot, { recursive: true });
  const diffId = sha256File(layerTar);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    history: [{ created_by: 'berth bench: random bytes' }],
  });
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  fs.mkdirSync(path.join(stage, diffId), { recursive: true });
  fs.renameSync(layerTar, path.join(stage, diffId, 'layer.tar'));
  fs.writeFileSync(path.join(stage, configName), config);
  const manifest = [{ Config: configName, RepoTags: [BULK_TAG], Layers: [`${diffId}/layer.tar`] }];
  fs.writeFileSync(path.join(stage, 'manifest.json'), JSON.stringify(manifest));
  const image = path.join(dir, 'bulk-image.tar');
  execFileSync('tar', ['-C', stage, '-cf', image, 'manifest.json', configName, `${diffId}/layer.tar`]);
  fs.rmSync(stage, { recursive: true });
  return image;
}

function sha256File(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  for (let n; (n = fs.readSync(fd, buf)) > 0;) h.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return h.digest('hex');
}

/** Runs the docker CLI against `host` (DOCKER_HOST form); stdout goes to /dev/null. Returns seconds. */
export function dockerTimed(host: string, args: string[]): number {
  const devNull = fs.openSync('/dev/null', 'w');
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('docker', ['-H', host, ...args], {
      stdio: ['ignore', devNull, 'pipe'],
      encoding: 'utf8',
      // docker save writes to stdout only when it is not a terminal: /dev/null is not.
      env: { ...process.env, DOCKER_CONTEXT: '' },
    });
    if (r.status !== 0) throw new Error(`docker ${args[0]} through ${host} failed: ${r.stderr.trim()}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  } finally {
    fs.closeSync(devNull);
  }
}

/** Each run's time on stderr as it comes: a bulk run takes minutes under emulation. */
const progress = (line: string) => process.stderr.write(`  bulk: ${line}\n`);

export interface BulkTimes {
  load: number;
  save: number;
}

/**
 * Median seconds of `runs` loads and saves of `image` through each of the two hosts, taking
 * turns run by run (each going first half the time) so the host's drifting load hits both alike.
 * Each load starts with the image removed, so each one stores the whole layer again.
 */
export function bulkTransfer(hosts: { berth: string; tcp: string }, image: string, runs: number) {
  const loads = { berth: [] as number[], tcp: [] as number[] };
  const saves = { berth: [] as number[], tcp: [] as number[] };
  const order = (i: number) => (i % 2 === 0 ? (['berth', 'tcp'] as const) : (['tcp', 'berth'] as const));
  for (let i = 0; i < runs; i++) {
    for (const via of order(i)) {
      spawnSync('docker', ['-H', hosts.tcp, 'rmi', '-f', BULK_TAG], { stdio: 'ignore' });
      loads[via].push(dockerTimed(hosts[via], ['load', '-q', '-i', image]));
      progress(`load through ${via}: ${loads[via].at(-1)!.toFixed(1)} s`);
    }
  }
  for (let i = 0; i < runs; i++) {
    for (const via of order(i)) {
      saves[via].push(dockerTimed(hosts[via], ['save', BULK_TAG]));
      progress(`save through ${via}: ${saves[via].at(-1)!.toFixed(1)} s`);
    }
  }
  spawnSync('docker', ['-H', hosts.tcp, 'rmi', '-f', BULK_TAG], { stdio: 'ignore' });
  const times = (via: 'berth' | 'tcp'): BulkTimes => ({ load: median(loads[via]), save: median(saves[via]) });
  return { berth: times('berth'), tcp: times('tcp') };
}
