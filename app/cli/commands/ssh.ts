// berth ssh [command]: a shell or a command in the VM, over ssh2 with the
// machine's own key and its pinned host key (no system ssh client needed).
import { Client } from 'ssh2';
import { UserError } from '../../base/errors';
import { readIfExists } from '../../base/files';
import { Machines } from '../../machine/machines';
import { readRuntime } from '../../base/runtime';
import { ensureUserKey, fingerprint } from '../../base/ssh-keys';
import { NAME_OPTION, parse } from '../args';
import { nameFlag } from '../name-flag';

export async function ssh(m: Machines, argv: string[]): Promise<number> {
  const { values, positionals } = parse('ssh', argv, NAME_OPTION, true);
  const name = values.name as string;
  const p = m.paths(name);
  const st = await m.status(name);
  const rt = readRuntime(p);
  if (st.state !== 'running' || !rt) {
    throw new UserError(`machine "${name}" is ${st.state}: start it with "berth up${nameFlag(name)}"`, {
      code: 'ENOTRUNNING',
    });
  }
  const pinned = readIfExists(p.knownHost)?.trim();
  const conn = new Client();
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', resolve);
    conn.once('error', (e) => reject(new UserError(`could not connect to machine "${name}": ${e.message}`)));
    conn.connect({
      host: '127.0.0.1',
      port: rt.sshPort,
      username: 'root',
      privateKey: ensureUserKey(p).privateKey,
      hostVerifier: (key: Buffer) => fingerprint(key) === pinned,
      readyTimeout: 15000,
    });
  });
  const command = positionals.join(' ');
  try {
    return command ? await runCommand(conn, command) : await interactive(conn);
  } finally {
    conn.end();
  }
}

function runCommand(conn: Client, command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    conn.exec(command, (err, ch) => {
      if (err) return reject(err);
      let code = 0;
      if (process.stdin.isTTY) ch.end();
      else process.stdin.pipe(ch);
      ch.pipe(process.stdout, { end: false });
      ch.stderr.pipe(process.stderr, { end: false });
      ch.on('exit', (c: number | null) => (code = c ?? 255));
      ch.on('close', () => {
        process.stdin.unpipe(ch);
        process.stdin.pause();
        resolve(code);
      });
    });
  });
}

function interactive(conn: Client): Promise<number> {
  return new Promise((resolve, reject) => {
    const tty = process.stdout.isTTY;
    conn.shell(
      tty
        ? { term: process.env.TERM ?? 'xterm-256color', rows: process.stdout.rows, cols: process.stdout.columns }
        : false,
      (err, ch) => {
        if (err) return reject(err);
        let code = 0;
        if (process.stdin.isTTY) process.stdin.setRawMode(true);
        process.stdin.pipe(ch);
        ch.pipe(process.stdout, { end: false });
        ch.stderr.pipe(process.stderr, { end: false });
        const resize = () => ch.setWindow(process.stdout.rows, process.stdout.columns, 0, 0);
        process.stdout.on('resize', resize);
        ch.on('exit', (c: number | null) => (code = c ?? 0));
        ch.on('close', () => {
          process.stdout.off('resize', resize);
          if (process.stdin.isTTY) process.stdin.setRawMode(false);
          process.stdin.unpipe(ch);
          process.stdin.pause();
          resolve(code);
        });
      },
    );
  });
}
