import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { VolumeSummary } from '../../../app/api/contract';
import { App } from '../App';
import { apiError, engineInfo, fakeApi, runningMachine } from '../test/fake-api';

const volume = (name: string, usedBy: string[] = []): VolumeSummary => ({
  name,
  driver: 'local',
  mountpoint: `/var/lib/docker/volumes/${name}/_data`,
  size: 1024,
  usedBy,
});

function setup(list: VolumeSummary[], remove: (name: string) => null = () => null) {
  window.location.hash = '#/volumes';
  const f = fakeApi({
    'machine.status': () => runningMachine,
    'engine.info': () => engineInfo,
    'volumes.list': () => list,
    'volume.remove': (p) => remove(p.name),
    'volumes.prune': () => ({ deleted: ['a', 'b'], spaceReclaimed: 2048 }),
  });
  render(<App api={f.api} />);
  return f;
}

describe('Volumes page', () => {
  it('asks before removing, removes after the yes, and reloads the list', async () => {
    const f = setup([volume('data', ['web-1'])]);
    await screen.findByText('data');
    fireEvent.click(screen.getByRole('button', { name: 'Remove volume data' }));
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByText(/used by web-1/)).toBeTruthy();
    expect(f.invoke).not.toHaveBeenCalledWith('volume.remove', expect.anything());
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(f.invoke).toHaveBeenCalledWith('volume.remove', { name: 'data' }));
    await waitFor(() => expect(f.invoke.mock.calls.filter(([m]) => m === 'volumes.list')).toHaveLength(2));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows a failed removal as a dismissable error', async () => {
    setup([volume('data')], () => {
      throw apiError('ECONFLICT', 'volume is in use');
    });
    await screen.findByText('data');
    fireEvent.click(screen.getByRole('button', { name: 'Remove volume data' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove' }));
    await screen.findByText(/volume is in use/);
  });

  it('prunes after the yes and says what it freed, until dismissed', async () => {
    setup([volume('old')]);
    await screen.findByText('old');
    fireEvent.click(screen.getByRole('button', { name: /Prune unused/ }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Prune' }));
    const notice = await screen.findByRole('status');
    expect(notice.textContent).toMatch(/Removed 2 volume\(s\), 2\.0 kB freed/);
    fireEvent.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    await waitFor(() => expect(screen.queryByText(/Removed 2 volume/)).toBeNull());
  });

  it('shows a designed empty state', async () => {
    setup([]);
    await screen.findByText('No volumes');
  });
});
