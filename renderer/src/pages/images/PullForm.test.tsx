import { act, fireEvent, render, screen } from '@testing-library/react';
import { ApiContext } from '../../lib/api-context';
import { apiError, fakeApi } from '../../test/fake-api';
import { PullForm } from './PullForm';

function setup() {
  const f = fakeApi({});
  const onPulled = vi.fn();
  render(
    <ApiContext.Provider value={f.api}>
      <PullForm onPulled={onPulled} />
    </ApiContext.Provider>,
  );
  fireEvent.change(screen.getByLabelText('Pull an image'), { target: { value: '10.0.2.2:5000/tiny' } });
  fireEvent.click(screen.getByRole('button', { name: 'Pull' }));
  return { ...f, onPulled, s: f.live('image.pull')[0] };
}

describe('PullForm', () => {
  it('shows the summed layer progress as one bar and ends with the image pulled', () => {
    const { s, onPulled } = setup();
    expect(s.params).toEqual({ image: '10.0.2.2:5000/tiny' });
    act(() => s.h.onData({ current: 500_000, total: 2_000_000, layers: 2, layersDone: 0, status: 'Downloading' }));
    const bar = screen.getByRole<HTMLProgressElement>('progressbar');
    expect(bar.value).toBe(25);
    expect(screen.getByTestId('pull-progress').textContent).toContain('500 kB of 2.0 MB');
    act(() => s.h.onEnd!());
    expect(screen.getByTestId('pull-done').textContent).toContain('Pulled 10.0.2.2:5000/tiny');
    expect(onPulled).toHaveBeenCalled();
  });

  it('shows a failed pull as an error with the engine message behind Details', () => {
    const { s } = setup();
    act(() =>
      s.h.onEnd!(
        apiError(
          'EUSER',
          'Pulling x failed: check the name and that the machine can reach the registry.',
          'manifest unknown',
        ),
      ),
    );
    expect(screen.getByRole('alert').textContent).toContain('check the name');
  });
});
