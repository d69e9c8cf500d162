// The machine's settings, validated against the allowed ranges, saying which
// changes need a restart.
import { useEffect, useState } from 'react';
import type { SettingsChange, SettingsView } from '../../../../app/api/contract';
import { ErrorBox } from '../../components/ErrorBox';

type Num = 'cpus' | 'memoryMiB' | 'diskGiB';
type DriverName = SettingsView['drivers'][number];

/** Each hypervisor in the user's words, with when to choose it. */
const DRIVER_TEXT: Record<DriverName, { label: string; when: string; shares: string }> = {
  qemu: {
    label: 'QEMU',
    when: 'The default: runs on every computer, x86_64 or arm64, and needs nothing else installed but QEMU.',
    shares: "Served by QEMU's 9p file server, mounted read-write (not on Windows: QEMU there has none).",
  },
  virtualbox: {
    label: 'VirtualBox',
    when: 'If VirtualBox is already installed (and Hyper-V is not in use), or to share Windows folders. x86_64 only.',
    shares:
      'Served as VirtualBox shared folders (vboxsf), Windows folders too, mounted read-write with symlinks allowed; slower than a volume for many small files.',
  },
};
const LABELS: Record<Num, string> = { cpus: 'CPUs', memoryMiB: 'Memory (MiB)', diskGiB: 'Disk (GiB)' };

function checkNumber(view: SettingsView, k: Num, raw: string, current?: number): string | undefined {
  const r = view.ranges[k];
  if (!/^\d+$/.test(raw.trim())) return `${LABELS[k]}: a whole number, ${r.min} to ${r.max}.`;
  const n = Number(raw);
  if (n < r.min || n > r.max) return `${LABELS[k]}: ${n} is out of range; allowed ${r.min} to ${r.max}.`;
  if (k === 'diskGiB' && current !== undefined && n < current)
    return `${LABELS[k]}: the disk can only grow (now ${current} GiB).`;
  return undefined;
}

export function SettingsForm({
  view,
  running,
  onSave,
  submitLabel = 'Save settings',
  isNew,
}: {
  view: SettingsView;
  running: boolean;
  onSave(change: SettingsChange): Promise<unknown>;
  submitLabel?: string;
  isNew?: boolean;
}) {
  const s = view.settings;
  const [vals, setVals] = useState<Record<Num, string>>({
    cpus: String(s.cpus),
    memoryMiB: String(s.memoryMiB),
    diskGiB: String(s.diskGiB),
  });
  const [accel, setAccel] = useState(s.accel);
  const [arch, setArch] = useState(s.arch);
  const [driver, setDriver] = useState<DriverName>(s.driver);
  // A VirtualBox machine is x86_64 whatever this computer is.
  const machineArch = driver === 'virtualbox' ? 'x86_64' : arch;
  const [insecure, setInsecure] = useState(s.engine.insecureRegistries.join('\n'));
  const [mirrors, setMirrors] = useState(s.engine.registryMirrors.join('\n'));
  const [shares, setShares] = useState(s.shares.join('\n'));
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    // The numbers follow the machine's saved settings when those change (after a save).
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setVals({ cpus: String(s.cpus), memoryMiB: String(s.memoryMiB), diskGiB: String(s.diskGiB) });
  }, [s.cpus, s.memoryMiB, s.diskGiB]);

  const problems = (['cpus', 'memoryMiB', 'diskGiB'] as Num[]).map(
    (k) => [k, checkNumber(view, k, vals[k], isNew ? undefined : s[k])] as const,
  );
  const lines = (t: string) =>
    t
      .split(/[\n,]/)
      .map((x) => x.trim())
      .filter(Boolean);
  // A folder name may hold a comma: shared folders are split on line breaks only.
  const folders = (t: string) =>
    t
      .split('\n')
      .map((x) => x.trim())
      .filter(Boolean);
  const change: SettingsChange = {
    cpus: Number(vals.cpus),
    memoryMiB: Number(vals.memoryMiB),
    diskGiB: Number(vals.diskGiB),
    accel,
    // Chosen once, when the machine is made: an existing machine's disk holds its engine data.
    ...(isNew ? { arch: machineArch, driver } : {}),
    shares: folders(shares),
    engine: { insecureRegistries: lines(insecure), registryMirrors: lines(mirrors) },
  };
  const changed =
    isNew ||
    change.cpus !== s.cpus ||
    change.memoryMiB !== s.memoryMiB ||
    change.diskGiB !== s.diskGiB ||
    accel !== s.accel ||
    JSON.stringify(change.shares) !== JSON.stringify(s.shares) ||
    JSON.stringify(change.engine!.insecureRegistries) !== JSON.stringify(s.engine.insecureRegistries) ||
    JSON.stringify(change.engine!.registryMirrors) !== JSON.stringify(s.engine.registryMirrors);
  const invalid = problems.some(([, p]) => p);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (invalid) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSave(change);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const restartNote = running && !isNew ? <span className="badge">applies after a restart</span> : null;

  return (
    <form className="settings-form" onSubmit={submit} aria-label="Machine settings" noValidate>
      {(['cpus', 'memoryMiB', 'diskGiB'] as Num[]).map((k) => {
        const p = problems.find(([kk]) => kk === k)![1];
        const r = view.ranges[k];
        return (
          <div className="field" key={k}>
            <label htmlFor={`set-${k}`}>
              {LABELS[k]} {restartNote}
            </label>
            <input
              id={`set-${k}`}
              inputMode="numeric"
              value={vals[k]}
              aria-invalid={Boolean(p)}
              aria-describedby={`hint-${k}`}
              onChange={(e) => setVals({ ...vals, [k]: e.target.value })}
            />
            <div id={`hint-${k}`} className={p ? 'field-error' : 'muted small-text'}>
              {p ?? `Allowed ${r.min} to ${r.max}: ${r.description}.`}
            </div>
          </div>
        );
      })}
      <div className="field">
        <label htmlFor="set-driver">Hypervisor</label>
        {isNew ? (
          <select id="set-driver" value={driver} onChange={(e) => setDriver(e.target.value as DriverName)}>
            {view.drivers.map((d) => (
              <option key={d} value={d}>
                {DRIVER_TEXT[d].label}
              </option>
            ))}
          </select>
        ) : (
          <input id="set-driver" value={DRIVER_TEXT[s.driver].label} readOnly />
        )}
        <div className="muted small-text" data-testid="driver-hint">
          {isNew
            ? DRIVER_TEXT[driver].when
            : `Fixed when the machine was made: its disk is in ${DRIVER_TEXT[s.driver].label}'s format. For another, make a new machine with another name (berth init --name NAME --driver ...).`}
        </div>
      </div>
      <div className="field">
        <label htmlFor="set-arch">Architecture</label>
        {isNew && driver !== 'virtualbox' ? (
          <select id="set-arch" value={arch} onChange={(e) => setArch(e.target.value as typeof arch)}>
            {view.architectures.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        ) : (
          <input id="set-arch" value={isNew ? machineArch : s.arch} readOnly />
        )}
        <div className="muted small-text">
          {isNew && driver === 'virtualbox'
            ? 'VirtualBox machines are x86_64. It cannot change later.'
            : isNew
              ? `${s.arch} is this computer's own and runs at full speed; another is emulated (much slower). It cannot change later.`
              : `Fixed when the machine was made: its disk holds ${s.arch} images and containers. For another, make a new machine with another name (berth init --name NAME --arch ...).`}
        </div>
      </div>
      {driver === 'qemu' && (
        <div className="field">
          <label htmlFor="set-accel">Accelerator {restartNote}</label>
          <select id="set-accel" value={accel} onChange={(e) => setAccel(e.target.value as typeof accel)}>
            {view.accelerators.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
          <div className="muted small-text">auto picks the platform's and falls back to tcg (slow, always works).</div>
        </div>
      )}
      <div className="field">
        <label htmlFor="set-insecure">Insecure registries {restartNote}</label>
        <textarea
          id="set-insecure"
          rows={2}
          value={insecure}
          onChange={(e) => setInsecure(e.target.value)}
          placeholder="host:port, one a line (e.g. 10.0.2.2:5000)"
        />
      </div>
      <div className="field">
        <label htmlFor="set-mirrors">Registry mirrors {restartNote}</label>
        <textarea
          id="set-mirrors"
          rows={2}
          value={mirrors}
          onChange={(e) => setMirrors(e.target.value)}
          placeholder="https://mirror.example.com, one a line"
        />
      </div>
      <div className="field">
        <label htmlFor="set-shares">Shared folders {restartNote}</label>
        <textarea
          id="set-shares"
          rows={2}
          value={shares}
          onChange={(e) => setShares(e.target.value)}
          placeholder="one folder a line; ~ is your home folder"
        />
        <div className="muted small-text" data-testid="shares-hint">
          Containers can bind-mount these folders by their own path, e.g. docker run -v ~/code:/src.{' '}
          {DRIVER_TEXT[driver].shares}
        </div>
      </div>
      {error && <ErrorBox error={error} />}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || invalid || !changed}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
