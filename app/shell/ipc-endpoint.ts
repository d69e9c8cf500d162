// The logic behind the dashboard's IPC, free of electron so it is unit-tested:
// one API session per page of one window; a message is handed to the session
// only when it comes from that window's main frame showing the dashboard; the
// session validates it against the contract and answers errors as data.
import type { ServerMessage } from '../api/contract';
import { ApiSession, type Implementation } from '../api/session';
import { isTrustedSender, type SenderInfo } from './policy';

function frameUrl(event: SenderInfo): string {
  try {
    const url: unknown = event.senderFrame?.url;
    return typeof url === 'string' ? url : 'a gone frame';
  } catch {
    return 'a gone frame';
  }
}

export class WindowEndpoint {
  private session: ApiSession;
  private refused = 0;
  private closed = false;

  constructor(
    private readonly impl: Implementation,
    private readonly own: { webContents: unknown; mainFrame: unknown },
    private readonly send: (m: ServerMessage) => void,
    private readonly log: (m: string) => void,
  ) {
    this.session = this.open();
  }

  private open(): ApiSession {
    return new ApiSession(this.impl, this.send, {
      onInternalError: (e) => this.log(`api bug: ${(e as Error)?.stack ?? String(e)}`),
    });
  }

  /** One IPC message. Returns whether it was accepted (for the log and tests). */
  receive(event: SenderInfo, msg: unknown): boolean {
    if (this.closed) return false;
    if (!this.trusted(event)) {
      if (this.refused++ < 5) this.log(`refused an IPC message from ${frameUrl(event)}`);
      return false;
    }
    try {
      this.session.handle(msg);
    } catch (e) {
      // handle() promises not to throw; if it ever does, the main process must not go down with it.
      this.log(`api bug: ${(e as Error)?.stack ?? String(e)}`);
    }
    return true;
  }

  /** A frame that is gone throws on access (WebFrameMain): such a sender is not trusted. */
  private trusted(event: SenderInfo): boolean {
    try {
      return isTrustedSender(event, this.own);
    } catch {
      return false;
    }
  }

  /** A new page (navigation, reload, renderer crash): the old page's streams stop, a fresh session starts. */
  pageChanged(): void {
    if (this.closed) return;
    this.session.close();
    this.session = this.open();
  }

  close(): void {
    this.closed = true;
    this.session.close();
  }
}
