import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App } from '../App';
import { apiError, fakeApi } from '../test/fake-api';
import { ErrorBox } from './ErrorBox';

describe('engine unreachable', () => {
  it('says the machine is stopped and starts it from the button', async () => {
    window.location.hash = '#/images';
    const f = fakeApi({
      'machine.status': () => ({ name: 'default', status: { name: 'default', state: 'stopped' } }),
      'engine.info': () => {
        throw apiError('ENGINE_UNREACHABLE', 'The Docker engine does not answer', 'ECONNREFUSED');
      },
      'machine.start': () => ({ name: 'default', status: { name: 'default', state: 'running' } }),
    });
    render(<App api={f.api} />);
    await screen.findByText('The machine is stopped');
    fireEvent.click(screen.getByRole('button', { name: 'Start machine' }));
    await waitFor(() => expect(f.invoke).toHaveBeenCalledWith('machine.start', {}));
  });

  it('sends a person without a machine to the first-run flow', async () => {
    window.location.hash = '#/containers';
    const f = fakeApi({
      'machine.status': () => ({ name: 'default', status: { name: 'default', state: 'not created' } }),
    });
    render(<App api={f.api} />);
    expect((await screen.findByText('Set up the machine')).getAttribute('href')).toBe('#/machine');
  });
});

describe('ErrorBox', () => {
  it('shows the message, and the details only on request', () => {
    render(
      <ErrorBox error={{ message: 'Pulling x failed: check the name', code: 'EUSER', details: 'manifest unknown' }} />,
    );
    expect(screen.getByRole('alert').textContent).toContain('Pulling x failed');
    expect(screen.queryByText(/manifest unknown/)).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Details' }));
    expect(screen.getByText(/manifest unknown/)).toBeTruthy();
  });
});
