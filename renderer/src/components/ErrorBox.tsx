// An error as a person sees it: what happened and what to do, with the
// details (engine message, console tail) one click away.
import { useState } from 'react';

export interface ShownError {
  message: string;
  code?: string;
  details?: string;
}

export function ErrorBox({
  error,
  onDismiss,
  action,
}: {
  error: ShownError;
  onDismiss?: () => void;
  action?: React.ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const hasDetails = Boolean(error.details || error.code);
  return (
    <div className="error-box" role="alert">
      <div className="error-main">
        <span className="error-icon" aria-hidden>
          !
        </span>
        <span className="error-message">{error.message}</span>
        {action}
        {hasDetails && (
          <button className="link" onClick={() => setOpen(!open)} aria-expanded={open}>
            {open ? 'Hide details' : 'Details'}
          </button>
        )}
        {onDismiss && (
          <button className="link" onClick={onDismiss} aria-label="Dismiss">
            Dismiss
          </button>
        )}
      </div>
      {open && (
        <pre className="error-details">
          {error.code ? `code: ${error.code}\n` : ''}
          {error.details ?? ''}
        </pre>
      )}
    </div>
  );
}
