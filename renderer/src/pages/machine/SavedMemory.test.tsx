import { fireEvent, render, screen } from '@testing-library/react';
import { SavedMemory } from './SavedMemory';

describe('saved memory', () => {
  it('says when the memory was saved and how big it is, and forgets it on request', () => {
    const onForget = vi.fn();
    const savedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    render(<SavedMemory saved={{ savedAt, bytes: 183_500_000 }} busy={false} onForget={onForget} />);
    expect(screen.getByTestId('saved-memory').textContent).toMatch(
      /^Memory saved 5 min ago \(184 MB on this computer\): Start resumes the machine where it stopped/,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Forget it' }));
    expect(onForget).toHaveBeenCalledTimes(1);
  });

  it('cannot be forgotten while the machine is busy', () => {
    render(<SavedMemory saved={{ savedAt: new Date().toISOString(), bytes: 1 }} busy onForget={() => undefined} />);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Forget it' }).disabled).toBe(true);
  });
});
