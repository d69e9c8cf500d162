// A confirmation dialog for destructive actions (remove, prune).
import { useEffect, useRef } from 'react';

export interface ConfirmProps {
  title: string;
  body: React.ReactNode;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
}

export function Confirm({ title, body, confirmLabel, onConfirm, onCancel }: ConfirmProps) {
  const ok = useRef<HTMLButtonElement>(null);
  useEffect(() => ok.current?.focus(), []);
  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onCancel()}
      >
        <h2>{title}</h2>
        <div className="modal-body">{body}</div>
        <div className="modal-actions">
          <button onClick={onCancel}>Cancel</button>
          <button ref={ok} className="danger" onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
