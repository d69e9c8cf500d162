// The engine floor's boot: the image's kernel and engine started by a minimal init from an
// initramfs, data on tmpfs (vm-images/build/engine-floor.ts), timed from QEMU's start to /_ping
// answering on the host through a raw TCP forward. The reference for a fresh `berth up`.
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { freePort } from '../../app/base/net';
import { floorQemuArgs } from './core';
import type { BenchTarget } from './target';
import { buildEngineFloorInitramfs, ENGINE_FLOOR_MARKERS, ENGINE_FLOOR_PORT } from '../../vm-images/build/engine-floor';

export interface EngineFloorBoot {
  /** QEMU's start to /_ping answering on the host. */
  seconds: number;
  /** Guest uptime at the init's markers (init reached, dockerd started), from the console. */
  uptime: { init?: number; dockerd?: number };
}

/** True once the engine answers /_ping; false while QEMU's forward has nothing behind it yet. */
function pinged(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/_ping', agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Boots the engine floor of `t`'s image (made from it on first use, in t.floorDir) and times it. */
export async function engineFloorBoot(t: BenchTarget, memoryMiB: number, cpus: number): Promise<EngineFloorBoot> {
  const { image } = t;
  const initrd = await buildEngineFloorInitramfs(image.dir, t.floorDir);
  const port = await freePort();
  const args = [
    ...floorQemuArgs(t.arch, image.kernel, initrd, image.cmdline, { memoryMiB, cpus }),
    // The same network and entropy devices as a Berth machine (dockerd's start reads random bytes).
    '-netdev',
    `user,id=net0,hostfwd=tcp:127.0.0.1:${port}-:${ENGINE_FLOOR_PORT}`,
    '-device',
    'virtio-net-pci,netdev=net0',
    '-device',
    'virtio-rng-pci',
    '-serial',
    'stdio',
  ];
  const t0 = process.hrtime.bigint();
  const q = spawn(t.qemu, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  q.stdout.on('data', (d) => (out += d));
  let exited = false;
  q.on('exit', () => (exited = true));
  q.on('error', (e) => ((exited = true), (out += `\n${t.qemu}: ${e.message}`)));
  try {
    // aarch64 under TCG took 12-25 s here; a loaded host several times that.
    const deadline = Date.now() + 300000;
    for (;;) {
      if (await pinged(port)) break;
      if (exited) throw new Error(`the engine floor VM exited before its engine answered:\n${out.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`the engine floor never answered /_ping:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const at = (marker: string) => {
      const m = new RegExp(`${marker} uptime=([0-9.]+)`).exec(out);
      return m ? Number(m[1]) : undefined;
    };
    return { seconds, uptime: { init: at(ENGINE_FLOOR_MARKERS.init), dockerd: at(ENGINE_FLOOR_MARKERS.dockerd) } };
  } finally {
    q.kill('SIGKILL');
  }
}
