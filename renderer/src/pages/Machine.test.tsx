import { render, screen } from '@testing-library/react';
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
});
