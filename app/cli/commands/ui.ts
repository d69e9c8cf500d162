// berth ui: the dashboard in a browser, served on 127.0.0.1 only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createImplementation } from '../../api/handlers';
import { UserError } from '../../base/errors';
import type { Machines } from '../../machine/machines';
import { DEFAULT_STATIC_DIR, startUiServer } from '../../ui/server';
import { intFlag, NAME_OPTION, parse } from '../args';

export async function ui(m: Machines, argv: string[]): Promise<number> {
  const { values } = parse('ui', argv, { ...NAME_OPTION, port: { type: 'string' } });
  const name = values.name as string;
  // 0 (the default) lets the system pick a free port.
  const port = intFlag('port', values.port as string | undefined, 0, 65535) ?? 0;
  if (!fs.existsSync(path.join(DEFAULT_STATIC_DIR, 'index.html'))) {
    throw new UserError('the dashboard is not built: run "npm run build:ui" first');
  }
  const impl = createImplementation({ machines: m, name });
  let server;
  try {
    server = await startUiServer({
      impl,
      port,
      onInternalError: (e) => {
        if (process.env.BERTH_DEBUG)
          process.stderr.write(`berth ui: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      },
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE')
      throw new UserError(`port ${port} is in use: pick another with --port, or leave it out for a free one`);
    throw e;
  }
  process.stdout.write(
    `Berth dashboard for machine "${name}":\n  ${server.url}\n(only on this computer; the address carries the access token. Ctrl-C to stop)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
