// The main-process end of the dashboard's IPC: one API session (the same
// serving code as `berth ui`) per window. A message is handled only when it
// comes from that window's own main frame showing the dashboard; the session
// then validates it against the contract, and errors go back as data.
import { ipcMain, type BrowserWindow, type IpcMainEvent } from 'electron';
import { BERTH_IPC_CHANNEL, type ServerMessage } from '../api/contract';
import { ApiSession, type Implementation } from '../api/session';
import { isTrustedSender } from './policy';

export function setupIpc(win: BrowserWindow, impl: Implementation, log: (m: string) => void): void {
  const wc = win.webContents;
  const send = (m: ServerMessage) => {
    if (!wc.isDestroyed()) wc.send(BERTH_IPC_CHANNEL, m);
  };
  const open = () => new ApiSession(impl, send, { onInternalError: (e) => log(`api bug: ${(e as Error)?.stack ?? String(e)}`) });
  let session = open();
  // A new page (reload, crash and reload) gets a fresh session: the old one's streams stop.
  const renew = () => {
    session.close();
    session = open();
  };

  let refused = 0;
  const onMessage = (event: IpcMainEvent, msg: unknown) => {
    if (event.sender !== wc) return; // another window's message: its own listener handles it
    if (!isTrustedSender(event, { webContents: wc, mainFrame: wc.mainFrame })) {
      if (refused++ < 5) log(`refused an IPC message from ${event.senderFrame?.url ?? 'a gone frame'}`);
      return;
    }
    session.handle(msg);
  };
  ipcMain.on(BERTH_IPC_CHANNEL, onMessage);

  wc.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) renew();
  });
  wc.on('render-process-gone', (_e, d) => {
    log(`dashboard renderer gone: ${d.reason}`);
    renew();
  });
  wc.once('destroyed', () => {
    ipcMain.removeListener(BERTH_IPC_CHANNEL, onMessage);
    session.close();
  });
}
