import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { SettingsChange } from '../../../../app/api/contract';
import { settingsView } from '../../test/fake-api';
import { SettingsForm } from './SettingsForm';

const view = settingsView('x86_64');

describe('SettingsForm', () => {
  it('shows the allowed range, refuses values out of it and a shrinking disk', () => {
    render(<SettingsForm view={view} running={false} onSave={vi.fn()} />);
    expect(screen.getByText('Allowed 1 to 32: virtual CPUs.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/CPUs/), { target: { value: '64' } });
    expect(screen.getByText('CPUs: 64 is out of range; allowed 1 to 32.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/Disk/), { target: { value: '10' } });
    expect(screen.getByText('Disk (GiB): the disk can only grow (now 64 GiB).')).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Save settings' }).disabled).toBe(true);
  });

  it('marks fields that apply after a restart when the machine runs, and saves the change', async () => {
    const onSave = vi.fn(async (_change: SettingsChange) => undefined);
    render(<SettingsForm view={view} running onSave={onSave} />);
    expect(screen.getAllByText('applies after a restart').length).toBeGreaterThan(0);
    fireEvent.change(screen.getByLabelText(/Memory/), { target: { value: '1024' } });
    fireEvent.change(screen.getByLabelText(/Insecure registries/), { target: { value: '10.0.2.2:5000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    expect(onSave.mock.calls[0][0]).toMatchObject({
      memoryMiB: 1024,
      engine: { insecureRegistries: ['10.0.2.2:5000'] },
    });
  });

  it('edits shared folders one a line, keeping commas inside a folder name', async () => {
    const onSave = vi.fn(async (_change: SettingsChange) => undefined);
    render(<SettingsForm view={view} running={false} onSave={onSave} />);
    expect(screen.getByLabelText<HTMLTextAreaElement>(/Shared folders/).value).toBe('~');
    fireEvent.change(screen.getByLabelText(/Shared folders/), { target: { value: '~\n /Volumes/work, 2024 \n\n' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    expect(onSave.mock.calls[0][0].shares).toEqual(['~', '/Volumes/work, 2024']);
  });
});

describe('SettingsForm: the architecture', () => {
  it("a new machine chooses it, the host's own first, and sends it", async () => {
    const onSave = vi.fn(async (_change: SettingsChange) => undefined);
    render(<SettingsForm view={view} running={false} isNew submitLabel="Create and start" onSave={onSave} />);
    const select = screen.getByLabelText<HTMLSelectElement>('Architecture');
    expect(select.value).toBe('x86_64');
    expect(screen.getByText(/x86_64 is this computer's own and runs at full speed/)).toBeTruthy();
    fireEvent.change(select, { target: { value: 'aarch64' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create and start' }));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    expect(onSave.mock.calls[0][0].arch).toBe('aarch64');
  });

  it("an existing machine's is shown, fixed, and never sent as a change", async () => {
    const onSave = vi.fn(async (_change: SettingsChange) => undefined);
    const arm = { ...view, settings: { ...view.settings, arch: 'aarch64' as const } };
    render(<SettingsForm view={arm} running={false} onSave={onSave} />);
    const field = screen.getByLabelText<HTMLInputElement>('Architecture');
    expect(field.value).toBe('aarch64');
    expect(field.readOnly).toBe(true);
    expect(screen.getByText(/its disk holds aarch64 images and containers/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/CPUs/), { target: { value: '4' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    expect('arch' in onSave.mock.calls[0][0]).toBe(false);
  });
});

describe('SettingsForm: the hypervisor', () => {
  it('a new machine chooses QEMU or VirtualBox, each with when to choose it, and sends it', async () => {
    const onSave = vi.fn(async (_change: SettingsChange) => undefined);
    render(
      <SettingsForm
        view={settingsView('aarch64')}
        running={false}
        isNew
        submitLabel="Create and start"
        onSave={onSave}
      />,
    );
    const select = screen.getByLabelText<HTMLSelectElement>('Hypervisor');
    expect(select.value).toBe('qemu');
    expect([...select.options].map((o) => o.textContent)).toEqual(['QEMU', 'VirtualBox']);
    expect(screen.getByTestId('driver-hint').textContent).toMatch(/The default: runs on every computer/);
    expect(screen.getByTestId('shares-hint').textContent).toMatch(/QEMU's 9p file server/);
    expect(screen.getByLabelText('Accelerator')).toBeTruthy();
    fireEvent.change(select, { target: { value: 'virtualbox' } });
    expect(screen.getByTestId('driver-hint').textContent).toMatch(
      /If VirtualBox is already installed.*to share Windows folders/,
    );
    // x86_64 only, whatever this computer is; VirtualBox picks its own accelerator.
    expect(screen.getByLabelText<HTMLInputElement>('Architecture').value).toBe('x86_64');
    expect(screen.getByText('VirtualBox machines are x86_64. It cannot change later.')).toBeTruthy();
    expect(screen.queryByLabelText('Accelerator')).toBeNull();
    expect(screen.getByTestId('shares-hint').textContent).toMatch(
      /VirtualBox shared folders \(vboxsf\), Windows folders too/,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Create and start' }));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    expect(onSave.mock.calls[0][0]).toMatchObject({ driver: 'virtualbox', arch: 'x86_64' });
  });

  it("an existing VirtualBox machine's is shown, fixed, never sent, with what VirtualBox shares", async () => {
    const onSave = vi.fn(async (_change: SettingsChange) => undefined);
    render(<SettingsForm view={settingsView('x86_64', 'virtualbox')} running={false} onSave={onSave} />);
    const field = screen.getByLabelText<HTMLInputElement>('Hypervisor');
    expect(field.value).toBe('VirtualBox');
    expect(field.readOnly).toBe(true);
    expect(screen.getByTestId('driver-hint').textContent).toMatch(/its disk is in VirtualBox's format/);
    expect(screen.getByTestId('shares-hint').textContent).toMatch(/VirtualBox shared folders/);
    fireEvent.change(screen.getByLabelText(/Shared folders/), { target: { value: 'C:\\Users\\me\\code' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    expect(onSave.mock.calls[0][0].driver).toBeUndefined();
    expect(onSave.mock.calls[0][0].shares).toEqual(['C:\\Users\\me\\code']);
  });
});
