// The data disk through qemu-img: create, read its size, grow. Disks only grow:
// shrinking a filesystem's block device under it destroys data.
import { UserError } from '../../base/errors';
import { firstLine } from '../../base/errors';
import type { Runner } from '../../base/run';

const GiB = 1024 * 1024 * 1024;

export interface DiskInfo {
  virtualSizeBytes: number;
  format: string;
  /** Bytes used on the host, when qemu-img reports it. */
  actualSizeBytes?: number;
}

/** Parses `qemu-img info --output=json`. */
export function parseQemuImgInfo(stdout: string): DiskInfo {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`qemu-img info printed something that is not JSON: ${firstLine(stdout)}`);
  }
  const vs = j['virtual-size'];
  if (typeof vs !== 'number') throw new Error('qemu-img info: no virtual-size in its output');
  const format = j['format'];
  const info: DiskInfo = { virtualSizeBytes: vs, format: typeof format === 'string' ? format : '' };
  if (typeof j['actual-size'] === 'number') info.actualSizeBytes = j['actual-size'];
  return info;
}

export class QemuImg {
  constructor(
    private readonly run: Runner,
    private readonly program: string,
  ) {}

  async create(file: string, sizeGiB: number): Promise<void> {
    const r = await this.run(this.program, ['create', '-q', '-f', 'qcow2', file, `${sizeGiB}G`]);
    if (r.code !== 0) throw this.failed('create the data disk', file, r.stderr);
  }

  async info(file: string): Promise<DiskInfo> {
    // -U (force-share): reading the size must also work while QEMU holds the image lock.
    const r = await this.run(this.program, ['info', '-U', '--output=json', file]);
    if (r.code !== 0) throw this.failed('read the data disk', file, r.stderr);
    return parseQemuImgInfo(r.stdout);
  }

  /** Grows the disk to sizeGiB; does nothing when it is already that size; refuses to shrink. */
  async grow(file: string, sizeGiB: number): Promise<'grown' | 'unchanged'> {
    const current = (await this.info(file)).virtualSizeBytes;
    const wanted = sizeGiB * GiB;
    if (wanted === current) return 'unchanged';
    if (wanted < current) {
      throw new UserError(
        `The disk is ${formatGiB(current)} GiB and cannot shrink to ${sizeGiB} GiB: disks can only grow.`,
        { code: 'EDISKSHRINK' },
      );
    }
    const r = await this.run(this.program, ['resize', '-q', '-f', 'qcow2', file, `${sizeGiB}G`]);
    if (r.code !== 0) throw this.failed('grow the data disk', file, r.stderr);
    return 'grown';
  }

  private failed(what: string, file: string, stderr: string): UserError {
    const why = firstLine(stderr) || 'qemu-img failed without a message';
    return new UserError(`Could not ${what}: ${why}`, { code: 'EQEMUIMG', details: `${file}\n${stderr}` });
  }
}

function formatGiB(bytes: number): string {
  const g = bytes / GiB;
  return Number.isInteger(g) ? String(g) : g.toFixed(1);
}
