import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../App';
import { container, engineInfo, fakeApi, runningMachine } from '../test/fake-api';
import { groupRows } from './Containers';

function setup(list: ReturnType<typeof container>[]) {
  window.location.hash = '#/containers';
  const byId = new Map(list.map((c) => [c.id, c]));
  const f = fakeApi({
    'machine.status': () => runningMachine,
    'engine.info': () => engineInfo,
    'containers.list': (p) => (p.id ? (byId.has(p.id) ? [byId.get(p.id)!] : []) : [...byId.values()]),
    'container.remove': () => null,
    'container.stop': () => null,
  });
  render(<App api={f.api} />);
  return { ...f, byId };
}

describe('Containers page', () => {
  it('groups containers by compose project and shows ports, state and status', async () => {
    setup([
      container('a1', 'web-1', {
        project: 'shop',
        service: 'web',
        ports: [{ privatePort: 80, publicPort: 8080, type: 'tcp' }],
      }),
      container('a2', 'db-1', { project: 'shop', state: 'exited', status: 'Exited (0) 1 minute ago' }),
      container('b1', 'loner'),
    ]);
    await screen.findByText('web-1');
    expect(screen.getByText('shop')).toBeTruthy();
    expect(screen.getByText('Other containers')).toBeTruthy();
    const port = screen.getByText<HTMLAnchorElement>('8080→80');
    expect(port.getAttribute('href')).toBe('http://localhost:8080/');
    expect(port.getAttribute('target')).toBe('_blank');
    expect(screen.getByText('Exited (0) 1 minute ago')).toBeTruthy();
    expect(screen.getByTestId('container-count').textContent).toBe('3 total, 2 running');
  });

  it('follows engine events: a new container appears and a destroyed one goes, without reloading the list', async () => {
    const f = setup([container('a1', 'first')]);
    await screen.findByText('first');
    const events = f.live('engine.events')[0];
    expect(events).toBeTruthy();
    f.byId.set('n1', container('n1', 'from-cli'));
    act(() => events.h.onData({ type: 'container', action: 'start', id: 'n1', attributes: {}, timeNano: 0 }));
    await screen.findByText('from-cli');
    expect(f.invoke).toHaveBeenCalledWith('containers.list', { id: 'n1' });
    expect(f.invoke.mock.calls.filter(([m, p]) => m === 'containers.list' && !(p as { id?: string }).id)).toHaveLength(
      1,
    );
    act(() => events.h.onData({ type: 'container', action: 'destroy', id: 'a1', attributes: {}, timeNano: 0 }));
    await waitFor(() => expect(screen.queryByText('first')).toBeNull());
  });

  it('a read answered after the container was destroyed does not bring its row back', async () => {
    const f = setup([container('a1', 'going')]);
    await screen.findByText('going');
    // The engine is removing it: the read that follows "die" is slow and answers "removing",
    // after the "destroy" event has come.
    let answer!: (xs: ReturnType<typeof container>[]) => void;
    const late = new Promise<ReturnType<typeof container>[]>((r) => (answer = r));
    f.invoke.mockImplementation((method, params) =>
      method === 'containers.list' && (params as { id?: string }).id === 'a1'
        ? late
        : Promise.resolve(method === 'containers.list' ? [] : null),
    );
    const events = f.live('engine.events')[0];
    act(() => events.h.onData({ type: 'container', action: 'die', id: 'a1', attributes: {}, timeNano: 0 }));
    await waitFor(() => expect(f.invoke).toHaveBeenCalledWith('containers.list', { id: 'a1' }));
    act(() => events.h.onData({ type: 'container', action: 'destroy', id: 'a1', attributes: {}, timeNano: 0 }));
    await waitFor(() => expect(screen.queryByText('going')).toBeNull());
    await act(async () => {
      answer([container('a1', 'going', { state: 'removing', status: 'Removal In Progress' })]);
      await late;
    });
    expect(screen.queryByText('going')).toBeNull();
  });

  it('asks before removing, and removes only after the confirmation', async () => {
    const f = setup([container('a1', 'victim')]);
    await screen.findByText('victim');
    fireEvent.click(screen.getByRole('button', { name: 'Remove victim' }));
    const dialog = screen.getByRole('dialog');
    expect(f.invoke).not.toHaveBeenCalledWith('container.remove', expect.anything());
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(f.invoke).toHaveBeenCalledWith('container.remove', { id: 'a1', force: true }));
  });

  it('renders only a window of a 1,000-container list (virtualized)', async () => {
    setup(Array.from({ length: 1000 }, (_, i) => container(`id${i}`, `c-${String(i).padStart(4, '0')}`)));
    await screen.findByText('c-0000');
    const rows = screen.getAllByTestId('container-row');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(100);
    expect(screen.getByTestId('container-count').textContent).toBe('1000 total, 1000 running');
  });

  it('shows a designed empty state', async () => {
    setup([]);
    await screen.findByText('No containers yet');
  });
});

describe('groupRows', () => {
  it('puts projects first, sorted, then the loose containers under their own header', () => {
    const rows = groupRows([
      container('1', 'z'),
      container('2', 'b', { project: 'p2' }),
      container('3', 'a', { project: 'p1' }),
    ]);
    expect(rows.map((r) => (r.kind === 'group' ? `[${r.project}]` : r.c.name))).toEqual([
      '[p1]',
      'a',
      '[p2]',
      'b',
      '[]',
      'z',
    ]);
  });
  it('filters by name, image or project', () => {
    const rows = groupRows([container('1', 'web'), container('2', 'db')], 'we');
    expect(rows.map((r) => (r.kind === 'container' ? r.c.name : '-'))).toEqual(['web']);
  });
});

describe('fromEvent', () => {
  it('makes a row from a create event and moves the state on start/die', async () => {
    const { fromEvent } = await import('../lib/useContainers');
    const created = fromEvent(undefined, {
      type: 'container',
      action: 'create',
      id: 'x1',
      attributes: { name: 'cli', image: 'tiny', 'com.docker.compose.project': 'p' },
      timeNano: 2e9,
    });
    expect(created).toMatchObject({ id: 'x1', name: 'cli', image: 'tiny', state: 'created', project: 'p', created: 2 });
    expect(
      fromEvent(created, { type: 'container', action: 'start', id: 'x1', attributes: {}, timeNano: 0 })?.state,
    ).toBe('running');
    expect(
      fromEvent(created, { type: 'container', action: 'exec_start: sh', id: 'x1', attributes: {}, timeNano: 0 }),
    ).toBeUndefined();
  });
});
