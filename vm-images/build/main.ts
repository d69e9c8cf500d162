// Entry point of `npm run build:vm`:
//   node out/vm-images/build/main.js                 build the host architecture's image (or say it is up to date)
//   node out/vm-images/build/main.js --arch aarch64  build the aarch64 image into vm-images/out-aarch64/
//                                                    (--arch x86_64: vm-images/out/, today's image)
//   node out/vm-images/build/main.js --force         rebuild even if up to date
//   node out/vm-images/build/main.js --update-pins   re-pin packages to the current Debian versions
//                                                    (with --arch aarch64: that architecture's packages)
//   node out/vm-images/build/main.js --floor DIR     write the floor initramfs + vmlinuz into DIR
import { buildHostProblem, parseArch, target } from './arch';
import { buildImage } from './build';
import { buildFloorInitramfs } from './floor';
import { BuildError } from './log';
import { updatePins } from './updatepins';

async function main(argv: string[]): Promise<void> {
  let t;
  try {
    t = target(parseArch(argv));
  } catch (e) {
    throw new BuildError((e as Error).message);
  }
  const host = buildHostProblem();
  if (host) throw new BuildError(host);
  if (argv.includes('--update-pins')) return updatePins(t);
  const floor = argv.indexOf('--floor');
  if (floor >= 0) {
    const dir = argv[floor + 1];
    if (!dir) throw new BuildError('--floor needs an output directory');
    const r = await buildFloorInitramfs(dir, t.arch);
    process.stdout.write(`[vm] floor initramfs: ${r.initrd} (kernel ${r.vmlinuz})\n`);
    return;
  }
  await buildImage(t, { force: argv.includes('--force') });
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof BuildError) process.stderr.write(`[vm] error: ${e.message}\n`);
  else process.stderr.write(`[vm] error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
