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
});
