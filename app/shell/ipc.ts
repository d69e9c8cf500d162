// The main-process end of the dashboard's IPC for one window: wires
// WindowEndpoint (sender check + API session) to ipcMain and the window's
// lifecycle. Messages of other windows are left to their own endpoints.
import { ipcMain, type BrowserWindow, type IpcMainEvent } from 'electron';
import { BERTH_IPC_CHANNEL, type ServerMessage } from '../api/contract';
import type { Implementation } from '../api/session';
import { WindowEndpoint } from './ipc-endpoint';

export function setupIpc(win: BrowserWindow, impl: Implementation, log: (m: string) => void): void {
  const wc = win.webContents;
  const send = (m: ServerMessage) => {
    if (!wc.isDestroyed()) wc.send(BERTH_IPC_CHANNEL, m);
  };
  // mainFrame is read per message: it is a different object after a cross-site navigation.
  const own = {
    webContents: wc,
    get mainFrame() {
      return wc.mainFrame;
    },
  };
  const endpoint = new WindowEndpoint(impl, own, send, log);
  const onMessage = (event: IpcMainEvent, msg: unknown) => {
    if (event.sender === wc) endpoint.receive(event, msg);
  };
  ipcMain.on(BERTH_IPC_CHANNEL, onMessage);
  wc.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) endpoint.pageChanged();
  });
  wc.on('render-process-gone', (_e, d) => {
    log(`dashboard renderer gone: ${d.reason}`);
    endpoint.pageChanged();
  });
  wc.once('destroyed', () => {
    ipcMain.removeListener(BERTH_IPC_CHANNEL, onMessage);
    endpoint.close();
  });
}
