// A container image holding one static UDP echo server (test/helpers/udp-echo.c), compiled
// here with the C compiler the image build already needs: busybox-static has no UDP server.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './cli';

/** A rootfs tar for `docker import` with /udp-echo (usage: /udp-echo PORT). */
export function udpEchoRootfsTar(): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-udp-echo-'));
  const root = path.join(work, 'root');
  fs.mkdirSync(root);
  execFileSync('gcc', [
    '-static',
    '-O2',
    '-o',
    path.join(root, 'udp-echo'),
    path.join(REPO, 'test', 'helpers', 'udp-echo.c'),
  ]);
  const tar = path.join(work, 'udp-echo.tar');
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}
