// Volumes: size, which containers use each, remove, prune.
import type { VolumeSummary } from '../../../app/api/contract';
import { EnginePage, ListStates, useListActions } from '../components/ListPage';
import { Empty } from '../components/States';
import { useApi } from '../lib/api-context';
import { bytes } from '../lib/format';
import { useEventList } from '../lib/useList';

export function VolumesPage() {
  return (
    <EnginePage what="volumes">
      <Volumes />
    </EnginePage>
  );
}

function Volumes() {
  const api = useApi();
  const { list, error, reload } = useEventList(
    () => api.invoke('volumes.list', {}),
    ['volume', 'container'],
    (a) => /^(create|destroy|mount|unmount|prune)/.test(a),
  );
  const { ask, setNotice, feedback, dialog } = useListActions(reload);
  const askRemove = (v: VolumeSummary) =>
    ask({
      title: `Remove volume ${v.name.slice(0, 24)}?`,
      body: (
        <p>
          {v.usedBy.length ? `It is used by ${v.usedBy.join(', ')}: remove those containers first. ` : ''}
          Its data is deleted for good.
        </p>
      ),
      confirmLabel: 'Remove',
      run: () => api.invoke('volume.remove', { name: v.name }),
    });
  const askPrune = () =>
    ask({
      title: 'Remove unused volumes?',
      body: <p>Every volume no container uses is deleted with its data.</p>,
      confirmLabel: 'Prune',
      run: async () => {
        const r = await api.invoke('volumes.prune', {});
        setNotice(
          r.deleted.length
            ? `Removed ${r.deleted.length} volume(s), ${bytes(r.spaceReclaimed)} freed.`
            : 'No unused volumes to remove.',
        );
      },
    });
  const unused = list?.filter((v) => v.usedBy.length === 0).length ?? 0;
  return (
    <>
      <header className="page-header">
        <h1>Volumes</h1>
        {list && (
          <span className="muted">
            {list.length} {list.length === 1 ? 'volume' : 'volumes'},{' '}
            {bytes(list.reduce((a, v) => a + Math.max(0, v.size), 0))}
          </span>
        )}
        <span className="spacer" />
        <button onClick={askPrune} disabled={!list}>
          Prune unused{unused ? ` (${unused})` : ''}
        </button>
      </header>
      {feedback}
      <ListStates
        list={list}
        error={error}
        what="volumes"
        empty={
          <Empty title="No volumes">
            Volumes keep data beyond a container's life. Create one by running a container with a volume, e.g.{' '}
            <code>docker run -v data:/data alpine</code>.
          </Empty>
        }
      />
      {list && list.length > 0 && (
        <table className="simple-table" aria-label="Volumes">
          <thead>
            <tr>
              <th>Name</th>
              <th>Used by</th>
              <th className="right">Size</th>
              <th className="right">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.name} data-testid="volume-row">
                <td className="mono" title={v.mountpoint}>
                  {v.name.length > 40 ? `${v.name.slice(0, 12)}…` : v.name}
                </td>
                <td>
                  {v.usedBy.length ? (
                    v.usedBy.map((n) => (
                      <span key={n} className="tag">
                        {n}
                      </span>
                    ))
                  ) : (
                    <span className="muted">unused</span>
                  )}
                </td>
                <td className="right">{bytes(v.size)}</td>
                <td className="right">
                  <button
                    className="small danger-text"
                    onClick={() => askRemove(v)}
                    aria-label={`Remove volume ${v.name}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {dialog}
    </>
  );
}
