// The preload of the dashboard window: exposes exactly one object,
// `window.berth`, a BerthPort (see app/api/contract.ts) that carries the
// contract's wire messages over one IPC channel. Nothing else of Electron or
// Node reaches the page. A sandboxed preload can only require 'electron': all
// other imports here are `import type` (a unit test checks the emitted file).
import { contextBridge, ipcRenderer } from 'electron';
import type { BERTH_IPC_CHANNEL, BerthPort, ClientMessage, ServerMessage } from '../api/contract';

// Must equal the contract's constant; the type makes tsc say so if they part.
const CHANNEL: typeof BERTH_IPC_CHANNEL = 'berth:api';

const listeners = new Set<(m: ServerMessage) => void>();
// The IPC event object never reaches the page: only the message.
ipcRenderer.on(CHANNEL, (_event, msg: ServerMessage) => {
  for (const l of [...listeners]) {
    try {
      l(msg);
    } catch (e) {
      console.error('berth: a message listener failed', e);
    }
  }
});

const port: BerthPort = {
  post(msg: ClientMessage): void {
    ipcRenderer.send(CHANNEL, msg);
  },
  onMessage(listener: (msg: ServerMessage) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('berth.onMessage needs a function');
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
};

contextBridge.exposeInMainWorld('berth', port);
