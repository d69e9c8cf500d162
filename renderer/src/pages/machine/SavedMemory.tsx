// A stopped machine whose memory was saved: Start resumes it where it stopped (containers still
// running) in seconds, not a boot. Says when and how much, and lets the user forget it for a fresh boot.
import { ago, bytes } from '../../lib/format';

export function SavedMemory({
  saved,
  busy,
  onForget,
}: {
  saved: { savedAt: string; bytes: number };
  busy: boolean;
  onForget(): void;
}) {
  const at = Date.parse(saved.savedAt);
  return (
    <div className="notice ok" role="status" data-testid="saved-memory">
      Memory saved {Number.isFinite(at) ? ago(at / 1000) : ''} ({bytes(saved.bytes)} on this computer): Start resumes
      the machine where it stopped, its containers still running.{' '}
      <button
        disabled={busy}
        onClick={onForget}
        title="Deletes the saved memory: the next start boots the machine afresh"
      >
        Forget it
      </button>
    </div>
  );
}
