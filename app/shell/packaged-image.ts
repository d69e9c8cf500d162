// Where the packaged desktop app carries its VM image: electron-builder's extraResources copy
// vm-images/out to <resources>/vm-image (electron-builder.config.js). The app hands this folder to
// the host agents it starts through BERTH_IMAGE_DIR, so nothing below the shell knows Electron.
import * as path from 'node:path';

const PACKAGED_IMAGE_FOLDER = 'vm-image';

export function packagedImageDir(resourcesPath: string): string {
  return path.join(resourcesPath, PACKAGED_IMAGE_FOLDER);
}
