// The data a fault must not lose, checked by content: an image (its id, and the bytes of a file
// in it), a container (its id and command), a volume, and files written and synced inside that
// volume, one before each try (their sha256).
import { randomBytes } from 'node:crypto';
import { busyboxRootfsTar } from '../helpers/tiny-image';
import type { Suite } from './suite';

export const IMAGE = 'fault-tiny:1';
const VOLUME = 'fault-data';
const KEEPER = 'fault-keeper';
const BUSYBOX = '/bin/busybox';

export class DataSet {
  private imageId = '';
  private busyboxSum = '';
  private keeper = '';
  private readonly files = new Map<string, string>();

  constructor(private readonly s: Suite) {}

  async setup(): Promise<void> {
    const s = this.s;
    await s.dockerOk(['import', busyboxRootfsTar(), IMAGE]);
    this.imageId = (await s.dockerOk(['image', 'inspect', IMAGE, '--format', '{{.Id}}'])).trim();
    await s.dockerOk(['volume', 'create', VOLUME]);
    await s.dockerOk(['create', '--name', KEEPER, '-v', `${VOLUME}:/v`, IMAGE, '/bin/sh', '-c', 'sleep 3600']);
    this.keeper = (await s.dockerOk(['inspect', KEEPER, '--format', keeperFormat])).trim();
    const sums = await this.sums([BUSYBOX]);
    this.busyboxSum = sums.get(BUSYBOX) ?? '';
    if (!this.busyboxSum) throw new Error('could not read the image back after setting it up');
    await this.writeSynced('setup');
  }

  /** A new file in the volume, synced to the VM's disk (the guest kernel's sync) before it returns. */
  async writeSynced(name: string): Promise<void> {
    const file = `/v/${name.replace(/[^a-z0-9-]/gi, '-')}-${randomBytes(4).toString('hex')}.bin`;
    const out = await this.s.dockerOk([
      'run',
      '--rm',
      '-v',
      `${VOLUME}:/v`,
      IMAGE,
      '/bin/sh',
      '-c',
      `${BUSYBOX} head -c 262144 /dev/urandom > ${file} && ${BUSYBOX} sync && ${BUSYBOX} sha256sum ${file}`,
    ]);
    const sum = /^([0-9a-f]{64})\s/.exec(out)?.[1];
    if (!sum) throw new Error(`writing ${file} printed ${out}`);
    this.files.set(file, sum);
  }

  /**
   * What was lost or changed, one line each (empty: nothing). Throws when the engine cannot be
   * asked at all (then the fault was not recovered from, and nothing is known about the data).
   */
  async lost(): Promise<string[]> {
    const s = this.s;
    if (!(await s.engineAnswers())) throw new Error('the engine does not answer, so the data cannot be checked');
    const lost: string[] = [];
    const id = await s.docker(['image', 'inspect', IMAGE, '--format', '{{.Id}}']);
    if (id.stdout.trim() !== this.imageId) lost.push(`image ${IMAGE}: ${id.stdout.trim() || id.stderr.trim()}`);
    const keeper = await s.docker(['inspect', KEEPER, '--format', keeperFormat]);
    if (keeper.stdout.trim() !== this.keeper)
      lost.push(`container ${KEEPER}: ${keeper.stdout.trim() || keeper.stderr.trim()}`);
    const vol = await s.docker(['volume', 'inspect', VOLUME, '--format', '{{.Name}}']);
    if (vol.stdout.trim() !== VOLUME) lost.push(`volume ${VOLUME}: ${vol.stderr.trim()}`);
    const sums = await this.sums([BUSYBOX, ...this.files.keys()]);
    if (sums.get(BUSYBOX) !== this.busyboxSum) lost.push(`the image's ${BUSYBOX} changed or is unreadable`);
    for (const [f, sum] of this.files)
      if (sums.get(f) !== sum) lost.push(`${f} in the volume: ${sums.get(f) ?? 'missing'}`);
    return lost;
  }

  private async sums(paths: string[]): Promise<Map<string, string>> {
    const r = await this.s.docker(['run', '--rm', '-v', `${VOLUME}:/v:ro`, IMAGE, BUSYBOX, 'sha256sum', ...paths]);
    const m = new Map<string, string>();
    for (const line of r.stdout.split('\n')) {
      const x = /^([0-9a-f]{64})\s+(\S+)$/.exec(line.trim());
      if (x) m.set(x[2], x[1]);
    }
    return m;
  }
}

const keeperFormat = '{{.Id}} {{.Config.Image}} {{json .Config.Cmd}} {{range .Mounts}}{{.Name}}{{end}}';
