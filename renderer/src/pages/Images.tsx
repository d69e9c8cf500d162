// Images: tags and sizes, pull with one progress bar, remove, prune, run.
import { useState } from 'react';
import type { ImageSummary } from '../../../app/api/contract';
import { EnginePage, ListStates, useListActions } from '../components/ListPage';
import { Empty } from '../components/States';
import { useApi } from '../lib/api-context';
import { ago, bytes, shortId } from '../lib/format';
import { useEventList } from '../lib/useList';
import { PullForm } from './images/PullForm';
import { RunForm } from './images/RunForm';

export function ImagesPage() {
  return (
    <EnginePage what="images">
      <Images />
    </EnginePage>
  );
}

function Images() {
  const api = useApi();
  const { list, error, reload } = useEventList(
    () => api.invoke('images.list', {}),
    ['image', 'container'],
    (a) => !/^(exec_|attach|resize|top|start|stop|die|kill|pause|unpause|restart)/.test(a),
  );
  const [run, setRun] = useState<ImageSummary>();
  const { ask, setNotice, feedback, dialog } = useListActions(reload);
  const askRemove = (img: ImageSummary) =>
    ask({
      title: `Remove ${img.tags[0] ?? shortId(img.id)}?`,
      body: <p>The image is deleted from the machine. Containers that use it must be removed first.</p>,
      confirmLabel: 'Remove',
      run: () => api.invoke('image.remove', { id: img.id }),
    });
  const askPrune = () =>
    ask({
      title: 'Remove dangling images?',
      body: <p>Images without a tag that no container uses are deleted. Tagged images stay.</p>,
      confirmLabel: 'Prune',
      run: async () => {
        const r = await api.invoke('images.prune', {});
        setNotice(
          r.deleted.length
            ? `Removed ${r.deleted.length} dangling image layer(s), ${bytes(r.spaceReclaimed)} freed.`
            : 'No dangling images to remove.',
        );
      },
    });
  const dangling = list?.filter((i) => i.dangling).length ?? 0;

  return (
    <>
      <header className="page-header">
        <h1>Images</h1>
        {list && (
          <span className="muted">
            {list.length} {list.length === 1 ? 'image' : 'images'}, {bytes(list.reduce((a, i) => a + i.size, 0))}
          </span>
        )}
        <span className="spacer" />
        <button onClick={askPrune} disabled={!list}>
          Prune dangling{dangling ? ` (${dangling})` : ''}
        </button>
      </header>
      <PullForm onPulled={reload} />
      {feedback}
      <ListStates
        list={list}
        error={error}
        what="images"
        empty={
          <Empty title="No images yet">
            Pull one above, e.g. <code>alpine</code> or <code>nginx:alpine</code>.
          </Empty>
        }
      />
      {list && list.length > 0 && (
        <table className="simple-table" aria-label="Images">
          <thead>
            <tr>
              <th>Image</th>
              <th>ID</th>
              <th>Created</th>
              <th className="right">Size</th>
              <th className="right">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((img) => (
              <tr key={img.id} data-testid="image-row" data-tags={img.tags.join(' ')}>
                <td>
                  {img.tags.length ? (
                    img.tags.map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))
                  ) : (
                    <span className="muted">&lt;none&gt; (dangling)</span>
                  )}
                  {img.containers > 0 && <span className="muted small-text"> · used by {img.containers}</span>}
                </td>
                <td className="mono muted">{shortId(img.id)}</td>
                <td className="muted">{ago(img.created)}</td>
                <td className="right">{bytes(img.size)}</td>
                <td className="right">
                  <span className="row-actions compact">
                    <button
                      className="small"
                      onClick={() => setRun(img)}
                      disabled={!img.tags.length}
                      aria-label={`Run ${img.tags[0] ?? img.id}`}
                    >
                      Run
                    </button>
                    <button
                      className="small danger-text"
                      onClick={() => askRemove(img)}
                      aria-label={`Remove ${img.tags[0] ?? img.id}`}
                    >
                      Remove
                    </button>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {dialog}
      {run && <RunForm image={run.tags[0]} onClose={() => setRun(undefined)} />}
    </>
  );
}
