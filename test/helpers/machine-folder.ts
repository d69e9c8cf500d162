// A machine's folder with its ssh/ subfolder in a temporary Berth home, for tests of its key files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { machinePaths, type MachinePaths } from '../../app/base/paths';

export function machineWithSshFolder(): MachinePaths {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-keys-'));
  const p = machinePaths('default', home);
  fs.mkdirSync(path.join(p.dir, 'ssh'), { recursive: true, mode: 0o700 });
  return p;
}
