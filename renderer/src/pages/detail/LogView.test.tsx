import { act, fireEvent, render, screen } from '@testing-library/react';
import { ApiContext } from '../../lib/api-context';
import { fakeApi } from '../../test/fake-api';
import { LogView } from './LogView';

describe('LogView', () => {
  it('streams lines live, tells stdout from stderr, searches and shows timestamps on request', async () => {
    const f = fakeApi({});
    render(
      <ApiContext.Provider value={f.api}>
        <LogView id="c1" />
      </ApiContext.Provider>,
    );
    const s = f.live('container.logs')[0];
    expect(s.params).toEqual({ id: 'c1', tail: 100000, timestamps: true });
    act(() =>
      s.h.onData([
        { stream: 'stdout', ts: '2026-01-01T10:00:00.000000001Z', text: 'hello out' },
        { stream: 'stderr', ts: '2026-01-01T10:00:01.000000001Z', text: 'oops err' },
      ]),
    );
    expect(screen.getByText('hello out').className).toContain('stdout');
    expect(screen.getByText('oops err').className).toContain('stderr');
    expect(screen.getByTestId('log-count').textContent).toContain('2 lines');
    act(() => s.h.onData([{ stream: 'stdout', text: 'third line' }]));
    expect(screen.getByText('third line')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Search the log'), { target: { value: 'OOPS' } });
    expect(screen.queryByText('hello out')).toBeNull();
    expect(screen.getByTestId('log-count').textContent).toContain('1 of 3 lines');
    fireEvent.click(screen.getByLabelText('Timestamps'));
    expect(screen.getByText(/2026-01-01 10:00:01/)).toBeTruthy();
  });

  it('keeps 100,000 lines but renders only what is visible', async () => {
    const f = fakeApi({});
    render(
      <ApiContext.Provider value={f.api}>
        <LogView id="c1" />
      </ApiContext.Provider>,
    );
    const s = f.live('container.logs')[0];
    act(() =>
      s.h.onData(Array.from({ length: 100_000 }, (_, i) => ({ stream: 'stdout' as const, text: `line ${i}` }))),
    );
    expect(screen.getByTestId('log-count').textContent).toContain('100000 lines');
    expect(screen.getAllByTestId('log-line').length).toBeLessThan(200);
  });

  it('says when the container stopped and the log is complete', () => {
    const f = fakeApi({});
    render(
      <ApiContext.Provider value={f.api}>
        <LogView id="c1" />
      </ApiContext.Provider>,
    );
    act(() => f.live('container.logs')[0].h.onEnd!());
    expect(screen.getByText('This container wrote nothing to its log.')).toBeTruthy();
  });

  function logOf(texts: string[]) {
    const f = fakeApi({});
    const r = render(
      <ApiContext.Provider value={f.api}>
        <LogView id="c1" />
      </ApiContext.Provider>,
    );
    act(() => f.live('container.logs')[0].h.onData(texts.map((text) => ({ stream: 'stdout' as const, text }))));
    return r;
  }

  it('shows ANSI colours as styled spans with the text intact and no escape left raw', () => {
    const { container } = logOf([
      '\x1b[1;31mERROR\x1b[0m disk full',
      '\x1b[92mbright\x1b[0m \x1b[44mon blue\x1b[0m',
      '\x1b[38;5;208morange\x1b[0m \x1b[38;2;10;200;30mtrue\x1b[0m',
      '\x1b[2J\x1b[Hcleared \x1b]0;a title\x07after title \x1b]8;;http://x.test\x1b\\link\x1b]8;;\x1b\\ \x1b(Bdone\x1b[?25l',
    ]);
    const lines = screen.getAllByTestId('log-line');
    expect(lines.map((l) => l.textContent)).toEqual([
      'ERROR disk full',
      'bright on blue',
      'orange true',
      'cleared after title link done',
    ]);
    expect(container.textContent).not.toContain('\x1b');
    expect(container.textContent).not.toMatch(/\[[\d;?]*[a-zA-Z]|\]0;|\]8;/);

    const error = screen.getByText('ERROR');
    expect(error.tagName).toBe('SPAN');
    expect(error.className).toContain('ansi-fg-red');
    expect(error.className).toContain('ansi-bold');
    expect(screen.getByText('bright').className).toContain('ansi-fg-bright-green');
    expect(screen.getByText('on blue').className).toContain('ansi-bg-blue');
    const orange = screen.getByText('orange');
    expect(orange.className).toContain('ansi-fg-exact');
    expect(orange.style.getPropertyValue('--ansi-fg')).toBe('rgb(255, 135, 0)');
    expect(screen.getByText('true').style.getPropertyValue('--ansi-fg')).toBe('rgb(10, 200, 30)');
    // After a reset the text is plain again: no span around it.
    expect(lines[0].lastChild?.nodeType).toBe(Node.TEXT_NODE);
    expect(lines[0].lastChild?.textContent).toBe(' disk full');
  });

  it('keeps HTML in a log line as text', () => {
    const { container } = logOf(['<img src=x onerror="window.__pwned=1"> \x1b[31m<b>bold?</b>\x1b[0m']);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(screen.getByTestId('log-line').textContent).toBe('<img src=x onerror="window.__pwned=1"> <b>bold?</b>');
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('searches the text a reader sees, not the escapes', () => {
    logOf(['\x1b[32mready\x1b[0m to \x1b[1mserve\x1b[0m', 'plain 31m line']);
    fireEvent.change(screen.getByLabelText('Search the log'), { target: { value: 'ready to serve' } });
    expect(screen.getAllByTestId('log-line').map((l) => l.textContent)).toEqual(['ready to serve']);
    fireEvent.change(screen.getByLabelText('Search the log'), { target: { value: '31m' } });
    expect(screen.getAllByTestId('log-line').map((l) => l.textContent)).toEqual(['plain 31m line']);
  });
});
