import { render, screen } from '@testing-library/react';
import type { SettingsView } from '../../../app/api/contract';
import { App } from '../App';
import { engineInfo, fakeApi, runningMachine } from '../test/fake-api';

const settings: SettingsView = {
  settings: {
    version: 4,
    cpus: 2,
    memoryMiB: 2048,
    diskGiB: 64,
    accel: 'auto',
    arch: 'aarch64',
    shares: ['~'],
    engine: { insecureRegistries: [], registryMirrors: [] },
  },
  ranges: {
    cpus: { min: 1, max: 32, description: 'virtual CPUs' },
    memoryMiB: { min: 512, max: 65536, description: 'memory in MiB' },
    diskGiB: { min: 4, max: 2048, description: 'data disk' },
  },
  accelerators: ['auto', 'kvm', 'hvf', 'whpx', 'tcg'],
  architectures: ['x86_64', 'aarch64'],
  restartFields: ['cpus', 'memoryMiB', 'diskGiB', 'accel', 'shares', 'engine'],
  warnings: [],
};

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
