import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App } from '../App';
import { engineInfo, fakeApi, runningMachine, settingsView } from '../test/fake-api';

const settings = settingsView('aarch64');

describe('Machine page', () => {
  it("shows the machine's architecture beside its size, and in its settings as fixed", async () => {
    window.location.hash = '#/machine';
    const machine = { ...runningMachine, status: { ...runningMachine.status, arch: 'aarch64' as const } };
    const f = fakeApi({
      'machine.status': () => machine,
      'engine.info': () => engineInfo,
      'settings.get': () => settings,
      'machine.console': () => ({ console: '', agent: '' }),
    });
    render(<App api={f.api} />);
    const card = (await screen.findByText('Architecture', { selector: '.card .muted' })).closest('.card')!;
    expect(card.querySelector('.big')!.textContent).toBe('aarch64');
    expect((await screen.findByLabelText<HTMLInputElement>('Architecture')).readOnly).toBe(true);
  });

  it('the first run chooses the hypervisor and creates the machine with it', async () => {
    window.location.hash = '#/machine';
    const f = fakeApi({
      'machine.status': () => ({ name: 'default', status: { name: 'default', state: 'not created' } }),
      'settings.get': () => ({ ...settingsView('x86_64'), defaults: true }),
      'machine.create': () => settingsView('x86_64', 'virtualbox'),
      'machine.start': () => runningMachine,
    });
    render(<App api={f.api} />);
    fireEvent.change(await screen.findByLabelText('Hypervisor'), { target: { value: 'virtualbox' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create and start' }));
    await waitFor(() => expect(f.invoke).toHaveBeenCalledWith('machine.start', {}));
    const create = f.invoke.mock.calls.find(([m]) => m === 'machine.create')!;
    expect(create[1]).toMatchObject({ settings: { driver: 'virtualbox', arch: 'x86_64' } });
  });

  it('shows which hypervisor runs the machine', async () => {
    window.location.hash = '#/machine';
    const machine = { ...runningMachine, status: { ...runningMachine.status, driver: 'virtualbox' as const } };
    const f = fakeApi({
      'machine.status': () => machine,
      'engine.info': () => engineInfo,
      'settings.get': () => settingsView('x86_64', 'virtualbox'),
      'machine.console': () => ({ console: '', agent: '' }),
    });
    render(<App api={f.api} />);
    const card = (await screen.findByText('Hypervisor', { selector: '.card .muted' })).closest('.card')!;
    expect(card.querySelector('.big')!.textContent).toBe('VirtualBox');
  });
});
