import { act, render, screen } from '@testing-library/react';
import type { ILinkHandler, ITerminalOptions } from '@xterm/xterm';
import { ApiContext } from '../../lib/api-context';
import type { LinkOpener } from '../../lib/links';
import { fakeApi } from '../../test/fake-api';
import TerminalView, { terminalLinkHandler } from './TerminalView';

// xterm.js needs a real canvas and layout; a stand-in records the options the view gives it.
const made: ITerminalOptions[] = [];
vi.mock('@xterm/xterm', () => ({
  Terminal: class {
    cols = 80;
    rows = 24;
    constructor(options: ITerminalOptions) {
      made.push(options);
    }
    loadAddon() {}
    open() {}
    write() {}
    focus() {}
    dispose() {}
    onData() {
      return { dispose() {} };
    }
    onResize() {
      return { dispose() {} };
    }
  },
}));
vi.mock('@xterm/addon-fit', () => ({
  FitAddon: class {
    fit() {}
  },
}));

function fakeOpener(agree: boolean) {
  const asked: string[] = [];
  const opened: string[] = [];
  const opener: LinkOpener = {
    ask: (q) => {
      asked.push(q);
      return agree;
    },
    open: (url) => void opened.push(url),
  };
  return { opener, asked, opened };
}

const click = new MouseEvent('click');
const range = { start: { x: 1, y: 1 }, end: { x: 5, y: 1 } };

describe('terminal links', () => {
  it('refuses javascript:, file:, data: and custom schemes without asking or opening', () => {
    const { opener, asked, opened } = fakeOpener(true);
    const refused: string[] = [];
    const h = terminalLinkHandler((r) => refused.push(r), opener);
    for (const uri of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>alert(1)</script>',
      'vscode://extension/x',
      'berth://app/index.html',
      'https://user:secret@example.com/',
      'not a url',
    ])
      h.activate(click, uri, range);
    expect(asked).toEqual([]);
    expect(opened).toEqual([]);
    expect(refused).toHaveLength(8);
    expect(refused[0]).toBe(
      'Refused to open "javascript:alert(1)": only http and https links open from the dashboard, not javascript:',
    );
    expect(h.allowNonHttpProtocols).toBeFalsy();
  });

  it('opens http and https links only after the person agrees, showing the real address', () => {
    const yes = fakeOpener(true);
    terminalLinkHandler(() => {}, yes.opener).activate(click, 'https://example.com/a b', range);
    expect(yes.asked).toEqual(['Open this link in your browser?\n\nhttps://example.com/a%20b']);
    expect(yes.opened).toEqual(['https://example.com/a%20b']);

    const no = fakeOpener(false);
    terminalLinkHandler(() => {}, no.opener).activate(click, 'http://localhost:8080/', range);
    expect(no.asked).toHaveLength(1);
    expect(no.opened).toEqual([]);
  });

  it('the terminal uses the checked handler and says when it refused a link', () => {
    made.length = 0;
    const f = fakeApi({});
    render(
      <ApiContext.Provider value={f.api}>
        <TerminalView id="c1" />
      </ApiContext.Provider>,
    );
    const handler = made.at(-1)?.linkHandler as ILinkHandler | undefined;
    expect(handler).toBeTruthy();
    const open = vi.spyOn(window, 'open').mockReturnValue(null);
    act(() => handler!.activate(click, 'javascript:alert(document.cookie)', range));
    expect(open).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toContain('Refused to open "javascript:alert(document.cookie)"');

    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);
    act(() => handler!.activate(click, 'https://example.com/', range));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(open).toHaveBeenCalledWith('https://example.com/', '_blank', 'noopener,noreferrer');
    open.mockRestore();
    vi.unstubAllGlobals();
  });
});
