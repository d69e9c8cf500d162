// "Run" from an image, like Kitematic: name, ports, environment, volumes.
import { useState } from 'react';
import type { RunSpec } from '../../../../app/api/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { useApi } from '../../lib/api-context';

type PortRow = { container: string; host: string };
type EnvRow = { key: string; value: string };
type VolRow = { source: string; target: string; readOnly: boolean };

/** Checks the form and builds the spec; returns a message naming the bad field instead when it is wrong. */
export function buildRunSpec(
  image: string,
  name: string,
  ports: PortRow[],
  env: EnvRow[],
  vols: VolRow[],
  cmd: string,
): RunSpec | string {
  if (name && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
    return 'Name: use letters, digits, "_", "." or "-", starting with a letter or digit.';
  const spec: RunSpec = { image, ports: [], env: [], volumes: [] };
  if (name) spec.name = name;
  for (const [i, p] of ports.entries()) {
    if (!p.container.trim() && !p.host.trim()) continue;
    if (!/^\d{1,5}(\/(tcp|udp))?$/.test(p.container.trim()))
      return `Port ${i + 1}: the container port must be a number like 80 or 53/udp.`;
    const host = p.host.trim() ? Number(p.host) : undefined;
    if (host !== undefined && (!Number.isInteger(host) || host < 1 || host > 65535))
      return `Port ${i + 1}: the host port must be 1-65535 (or empty for a random one).`;
    spec.ports.push({ container: p.container.trim(), ...(host ? { host } : {}) });
  }
  for (const [i, e] of env.entries()) {
    if (!e.key.trim() && !e.value) continue;
    if (!/^[^=\s]+$/.test(e.key.trim()))
      return `Variable ${i + 1}: the name must not be empty or contain "=" or spaces.`;
    spec.env.push(`${e.key.trim()}=${e.value}`);
  }
  for (const [i, v] of vols.entries()) {
    if (!v.source.trim() && !v.target.trim()) continue;
    if (!v.source.trim()) return `Volume ${i + 1}: give a volume name or an absolute path in the machine.`;
    if (!v.target.startsWith('/')) return `Volume ${i + 1}: the container path must be absolute, like /data.`;
    spec.volumes.push({ source: v.source.trim(), target: v.target.trim(), readOnly: v.readOnly });
  }
  if (cmd.trim()) spec.cmd = cmd.trim();
  return spec;
}

export function RunForm({ image, onClose }: { image: string; onClose(): void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [cmd, setCmd] = useState('');
  const [ports, setPorts] = useState<PortRow[]>([{ container: '', host: '' }]);
  const [env, setEnv] = useState<EnvRow[]>([{ key: '', value: '' }]);
  const [vols, setVols] = useState<VolRow[]>([{ source: '', target: '', readOnly: false }]);
  const [problem, setProblem] = useState<string>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const spec = buildRunSpec(image, name.trim(), ports, env, vols, cmd);
    if (typeof spec === 'string') return setProblem(spec);
    setProblem(undefined);
    setBusy(true);
    try {
      const r = await api.invoke('image.run', spec);
      onClose();
      window.location.hash = `#/containers/${r.id}/logs`;
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const upd = <T,>(xs: T[], i: number, patch: Partial<T>) => xs.map((x, j) => (j === i ? { ...x, ...patch } : x));

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form
        className="modal wide"
        role="dialog"
        aria-modal="true"
        aria-label={`Run ${image}`}
        onClick={(e) => e.stopPropagation()}
        onSubmit={submit}
      >
        <h2>Run {image}</h2>
        <div className="form-grid">
          <label htmlFor="run-name">Name</label>
          <input
            id="run-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="optional: a random name otherwise"
          />
          <label htmlFor="run-cmd">Command</label>
          <input
            id="run-cmd"
            value={cmd}
            onChange={(e) => setCmd(e.target.value)}
            placeholder="optional: the image's default otherwise"
          />
        </div>
        <fieldset>
          <legend>Ports (container → host)</legend>
          {ports.map((p, i) => (
            <div className="pair" key={i}>
              <input
                aria-label={`Container port ${i + 1}`}
                placeholder="80"
                value={p.container}
                onChange={(e) => setPorts(upd(ports, i, { container: e.target.value }))}
              />
              <span>→</span>
              <input
                aria-label={`Host port ${i + 1}`}
                placeholder="8080 (empty: random)"
                value={p.host}
                onChange={(e) => setPorts(upd(ports, i, { host: e.target.value }))}
              />
            </div>
          ))}
          <button type="button" className="link" onClick={() => setPorts([...ports, { container: '', host: '' }])}>
            + Add port
          </button>
        </fieldset>
        <fieldset>
          <legend>Environment</legend>
          {env.map((v, i) => (
            <div className="pair" key={i}>
              <input
                aria-label={`Variable name ${i + 1}`}
                placeholder="NAME"
                value={v.key}
                onChange={(e) => setEnv(upd(env, i, { key: e.target.value }))}
              />
              <span>=</span>
              <input
                aria-label={`Variable value ${i + 1}`}
                placeholder="value"
                value={v.value}
                onChange={(e) => setEnv(upd(env, i, { value: e.target.value }))}
              />
            </div>
          ))}
          <button type="button" className="link" onClick={() => setEnv([...env, { key: '', value: '' }])}>
            + Add variable
          </button>
        </fieldset>
        <fieldset>
          <legend>Volumes (volume name or path in the machine → path in the container)</legend>
          {vols.map((v, i) => (
            <div className="pair" key={i}>
              <input
                aria-label={`Volume source ${i + 1}`}
                placeholder="data or /srv/data"
                value={v.source}
                onChange={(e) => setVols(upd(vols, i, { source: e.target.value }))}
              />
              <span>→</span>
              <input
                aria-label={`Volume target ${i + 1}`}
                placeholder="/data"
                value={v.target}
                onChange={(e) => setVols(upd(vols, i, { target: e.target.value }))}
              />
              <label className="inline">
                <input
                  type="checkbox"
                  checked={v.readOnly}
                  onChange={(e) => setVols(upd(vols, i, { readOnly: e.target.checked }))}
                />{' '}
                read-only
              </label>
            </div>
          ))}
          <button
            type="button"
            className="link"
            onClick={() => setVols([...vols, { source: '', target: '', readOnly: false }])}
          >
            + Add volume
          </button>
        </fieldset>
        {problem && (
          <p className="field-error" role="alert">
            {problem}
          </p>
        )}
        {error && <ErrorBox error={error} />}
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Starting…' : 'Run'}
          </button>
        </div>
      </form>
    </div>
  );
}
