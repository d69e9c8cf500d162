// What the Images and Volumes pages share: the page that waits for the engine, the list's loading,
// error and empty states, and actions that ask first, reload the list after, and show what came of
// them (a notice or an error).
import { useCallback, useState, type ReactNode } from 'react';
import { Confirm } from './Confirm';
import { ErrorBox } from './ErrorBox';
import { EngineGate, Loading } from './States';

/** The page: its content shows once the engine answers. */
export function EnginePage({ what, children }: { what: string; children: ReactNode }) {
  return (
    <section className="page">
      <EngineGate what={what}>{children}</EngineGate>
    </section>
  );
}

/** The list's own states: its load error, loading, or `empty` when it has no items. */
export function ListStates({
  list,
  error,
  what,
  empty,
}: {
  list?: unknown[];
  error?: Error;
  what: string;
  empty: ReactNode;
}) {
  if (error && !list) return <ErrorBox error={error} />;
  if (!list) return <Loading what={what} />;
  return list.length === 0 ? empty : null;
}

/** A destructive action waiting for the user's yes. */
export interface Ask {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  run(): Promise<unknown>;
}

/**
 * Actions on a list: `act` runs one and reloads the list (its error is shown, not thrown), `ask`
 * puts it behind a confirmation first. Render `feedback` where the notice and error belong and
 * `dialog` anywhere.
 */
export function useListActions(reload: () => void) {
  const [error, setError] = useState<Error>();
  const [notice, setNotice] = useState<string>();
  const [pending, ask] = useState<Ask>();
  const act = useCallback(
    async (run: () => Promise<unknown>) => {
      try {
        await run();
        reload();
      } catch (e) {
        setError(e as Error);
      }
    },
    [reload],
  );
  const feedback = (
    <>
      {notice && (
        <div className="notice" role="status">
          {notice}{' '}
          <button className="link" onClick={() => setNotice(undefined)}>
            Dismiss
          </button>
        </div>
      )}
      {error && <ErrorBox error={error} onDismiss={() => setError(undefined)} />}
    </>
  );
  const dialog = pending && (
    <Confirm
      title={pending.title}
      body={pending.body}
      confirmLabel={pending.confirmLabel}
      onCancel={() => ask(undefined)}
      onConfirm={() => {
        ask(undefined);
        void act(pending.run);
      }}
    />
  );
  return { act, ask, setNotice, feedback, dialog };
}
