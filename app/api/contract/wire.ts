// The wire messages, identical on both transports: JSON text frames on the WebSocket,
// structured clones over Electron IPC; and the names each transport is reached by.
import type { ApiError, Result } from './errors';

export type ClientMessage =
  | { t: 'call'; id: number; method: string; params: unknown }
  | { t: 'sub'; id: number; stream: string; params: unknown }
  | { t: 'input'; id: number; data: unknown }
  | { t: 'unsub'; id: number };

export type ServerMessage =
  /** The answer to a call. */
  | { t: 'result'; id: number; result: Result<unknown> }
  /** One data event of a subscription. */
  | { t: 'data'; id: number; data: unknown }
  /** A subscription is over: finished (no error) or failed. No more data follows. */
  | { t: 'end'; id: number; error?: ApiError };

/**
 * What a transport gives the client: post a message, receive messages.
 * The Electron preload exposes exactly one object of this shape as
 * `window.berth` (ipcRenderer.send / ipcRenderer.on on the channel
 * BERTH_IPC_CHANNEL); the browser mode makes one from a WebSocket.
 */
export interface BerthPort {
  post(msg: ClientMessage): void;
  /** Returns a function that removes the listener. */
  onMessage(listener: (msg: ServerMessage) => void): () => void;
}

export const BERTH_IPC_CHANNEL = 'berth:api';

/** Query parameter and WebSocket path of the browser mode. */
export const UI_TOKEN_PARAM = 'token';
export const UI_SOCKET_PATH = '/api';
