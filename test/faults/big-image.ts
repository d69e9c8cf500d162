// A 200 MB image in `docker save` format, made here (no registry is reachable): one layer
// holding random bytes, so nothing compresses it and each one is new to the engine.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const BIG_IMAGE_MB = 200;

/** Writes <work>/<tag>.tar; returns its path and size. Each call makes new random content. */
export function bigImageTar(work: string, tag: string, mb = BIG_IMAGE_MB): { file: string; bytes: number } {
  const dir = fs.mkdtempSync(path.join(work, 'img-'));
  try {
    const root = path.join(dir, 'root');
    fs.mkdirSync(root);
    const blob = fs.openSync(path.join(root, 'blob.bin'), 'w');
    const chunk = 4 * 1024 * 1024;
    for (let n = 0; n < mb * 1024 * 1024; n += chunk) fs.writeSync(blob, randomBytes(chunk));
    fs.closeSync(blob);
    const img = path.join(dir, 'img');
    fs.mkdirSync(path.join(img, 'layer'), { recursive: true });
    const layer = path.join(img, 'layer', 'layer.tar');
    execFileSync('tar', ['-C', root, '-cf', layer, 'blob.bin']);
    fs.rmSync(root, { recursive: true });
    const diffId = `sha256:${sha256File(layer)}`;
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/blob.bin'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: new Date().toISOString(), created_by: 'berth fault suite' }],
    });
    const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
    fs.writeFileSync(path.join(img, configName), config);
    fs.writeFileSync(
      path.join(img, 'manifest.json'),
      JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: ['layer/layer.tar'] }]),
    );
    const file = path.join(work, `${tag.replace(/[^a-z0-9]/gi, '-')}.tar`);
    execFileSync('tar', ['-C', img, '-cf', file, 'manifest.json', configName, 'layer/layer.tar']);
    return { file, bytes: fs.statSync(file).size };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function sha256File(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return h.digest('hex');
}
