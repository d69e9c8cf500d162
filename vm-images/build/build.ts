// The whole image build for one architecture: packages and kernel -> root tree -> initramfs ->
// squashfs -> manifest. Everything is made in a temporary directory next to the output folder
// (out/ for x86_64, out-aarch64/ for aarch64: arch.ts) and renamed into place at the end, so a failed
// or interrupted build never leaves a half image there.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { outDirFor, Target } from './arch';
import { BINFMT_ARTIFACT, buildBinfmt } from './binfmt';
import { busyboxApplets } from './busybox-applets';
import { BUSYBOX, kernelCmdline, VM_DIR } from './config';
import { dirSize } from './fsutil';
import { buildInitramfs } from './initramfs';
import { ENGINE_PROGRAMS, guestEngine } from './engine';
import { ENGINE_PROXY_AT, engineProxy } from './engine-proxy';
import { guestKernel } from './kernel';
import { stubLibraries } from './stub-libs';
import { info, StepTimer } from './log';
import { artifactInfo, BOOT_ARTIFACTS, computeInputsHash, isUpToDate, Manifest } from './manifest';
import { preparePackages } from './packages';
import { readLock } from './pins';
import { buildRoot } from './rootfs';
import { buildSquashfs, squashComp } from './squashfs';
import { staticIptables } from './static-iptables';
import { writeVmlinuz } from './vmlinuz';

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

export async function buildImage(t: Target, opts: { force?: boolean } = {}): Promise<Manifest | undefined> {
  const timer = new StepTimer();
  const comp = squashComp();
  const outDir = outDirFor(VM_DIR, t.arch);
  const inputsHash = await computeInputsHash(t.arch, await readLock(t.debian), [`squashfs=${comp}`]);
  if (!opts.force && (await isUpToDate(outDir, inputsHash))) {
    process.stdout.write(`[vm] ${t.arch} image up to date (${outDir})\n`);
    return undefined;
  }
  process.stdout.write(`[vm] building the ${t.arch} image (Debian ${t.debian} packages)\n`);

  const pk = await preparePackages(t, { timer });
  const kernel = await timer.step('kernel', () => guestKernel(pk.lock, t));
  const iptables = await timer.step('iptables', () => staticIptables(pk.lock, t));
  const engine = await timer.step('engine', () => guestEngine(pk.lock, t));
  const stubs = await timer.step('stub libraries', () => stubLibraries(t));
  const proxy = await timer.step('engine proxy', () => engineProxy(t));
  const built = [
    { file: iptables, at: '/usr/sbin/xtables-legacy-multi' },
    { file: proxy, at: ENGINE_PROXY_AT },
    ...Object.entries(ENGINE_PROGRAMS).map(([name, at]) => ({ file: path.join(engine, name), at })),
  ];
  const busybox = path.join(pk.roots.get('busybox-static')!, '.' + BUSYBOX);
  const applets = await busyboxApplets(pk.lock, t, busybox);
  const work = await fs.mkdtemp(path.join(VM_DIR, '.build-'));
  try {
    const root = path.join(work, 'root');
    const out = path.join(work, 'out');
    await fs.mkdir(root);
    await fs.mkdir(out);
    // Roots first, so a root package's own copy of a library wins over a dependency's.
    const providers = pk.lock.packages
      .filter((p) => p.role !== 'kernel')
      .sort((a, b) => Number(a.role === 'library') - Number(b.role === 'library'))
      .map((p) => p.name);
    await timer.step('root', async () => {
      const r = await buildRoot({
        root,
        pkgRoots: pk.roots,
        libraryProviders: providers,
        libraryOverrides: [stubs],
        applets,
        triplet: t.triplet,
        elfMachine: t.elfMachine,
        built,
      });
      info(`${r.libs} libraries`);
    });
    await timer.step('initramfs', () =>
      buildInitramfs({ stage: path.join(work, 'initramfs'), out: path.join(out, 'initrd.img'), busybox, applets }),
    );
    await timer.step('squashfs', async () => {
      info(`root tree ${mb(await dirSize(root))} uncompressed, compressing with ${comp}`);
      await buildSquashfs(root, path.join(out, 'rootfs.squashfs'), comp, t.xzBcj);
    });
    await timer.step('binfmt', () =>
      buildBinfmt(pk.roots, t, path.join(work, 'binfmt'), path.join(out, BINFMT_ARTIFACT)),
    );
    const manifest = await timer.step('manifest', async () => {
      await writeVmlinuz(kernel.image, path.join(out, 'vmlinuz'), t);
      const m: Manifest = {
        arch: t.arch,
        inputsHash,
        kernelVersion: kernel.release,
        cmdline: kernelCmdline(t),
        squashfsCompression: comp,
        artifacts: await artifactInfo(out),
        packages: pk.lock.packages.map((p) => ({ name: p.name, version: p.version, sha256: p.sha256 })),
        sources: (pk.lock.sources ?? []).map((s) => ({ name: s.name, version: s.version })),
      };
      await fs.writeFile(path.join(out, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
      return m;
    });
    // Swap the finished image into place.
    const old = path.join(work, 'old');
    await fs.rename(outDir, old).catch(() => undefined);
    await fs.rename(out, outDir);
    const a = manifest.artifacts;
    const total = BOOT_ARTIFACTS.reduce((sum, name) => sum + a[name].size, 0);
    process.stdout.write(
      `[vm] ${t.arch} image built in ${timer.total()}: vmlinuz ${mb(a.vmlinuz.size)} + initrd.img ${mb(a['initrd.img'].size)} + ` +
        `rootfs.squashfs ${mb(a['rootfs.squashfs'].size)} = ${mb(total)}, and ${BINFMT_ARTIFACT} ${mb(a[BINFMT_ARTIFACT].size)} ` +
        `beside it (${outDir})\n`,
    );
    return manifest;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
