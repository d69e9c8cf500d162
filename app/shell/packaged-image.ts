// Where the packaged desktop app carries its VM image: electron-builder.config.js's afterPack hook
// copies the image of the build's own architecture (vm-images/out for x64, vm-images/out-aarch64
// for arm64) to <resources>/vm-image, the same folder for both. The app hands this folder to
// the host agents it starts through BERTH_IMAGE_DIR, so nothing below the shell knows Electron.
import * as path from 'node:path';

const PACKAGED_IMAGE_FOLDER = 'vm-image';

export function packagedImageDir(resourcesPath: string): string {
  return path.join(resourcesPath, PACKAGED_IMAGE_FOLDER);
}
