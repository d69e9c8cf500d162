// The one way the dashboard opens a link that came from outside it (a
// terminal's OSC 8 hyperlink, say): http and https only, no user name or
// password in it, and only after the person agrees, having seen the real
// address (the link's text may say something else). The link then opens in a
// new tab with no opener; in the desktop app that request reaches the
// window's open handler, which checks it again (app/shell/policy.ts,
// externalUrl) and hands it to the system browser.
import { plainText } from './ansi';

export interface LinkOpener {
  /** Asks the person; true when they agree. */
  ask(question: string): boolean;
  open(url: string): void;
}

export const browserOpener: LinkOpener = {
  // No dialog to ask with (some embedded views): the answer is no.
  ask: (question) => typeof window.confirm === 'function' && window.confirm(question),
  open: (url) => void window.open(url, '_blank', 'noopener,noreferrer'),
};

export type LinkOutcome = { status: 'opened' | 'declined'; url: string } | { status: 'refused'; reason: string };

function shown(url: string): string {
  const p = plainText(url);
  return p.length > 80 ? `${p.slice(0, 77)}...` : p;
}

/** The address to open, normalised, or why it may not be opened. */
export function checkLink(url: string): { url: string } | { reason: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { reason: `Refused to open "${shown(url)}": it is not a full web address (http:// or https://).` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return {
      reason: `Refused to open "${shown(url)}": only http and https links open from the dashboard, not ${u.protocol}`,
    };
  if (u.username || u.password || !u.hostname)
    return { reason: `Refused to open "${shown(url)}": a link with a user name or password in it is not opened.` };
  return { url: u.href };
}

/** Checks the link, asks the person, opens it. Never throws. */
export function openLink(url: string, opener: LinkOpener = browserOpener): LinkOutcome {
  const checked = checkLink(url);
  if ('reason' in checked) return { status: 'refused', reason: checked.reason };
  if (!opener.ask(`Open this link in your browser?\n\n${checked.url}`)) return { status: 'declined', url: checked.url };
  opener.open(checked.url);
  return { status: 'opened', url: checked.url };
}
