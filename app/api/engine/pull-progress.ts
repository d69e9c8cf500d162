// Sums the engine's per-layer pull progress into one bar. Each layer reports
// "Downloading" with {current,total}; finished layers count as fully done;
// layers that already exist count as done with nothing to download.
import type { PullProgress } from '../contract';

interface Layer {
  current: number;
  total: number;
  done: boolean;
}

/** One message of the engine's pull stream (POST /images/create); every field may be absent. */
export interface PullMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

const DONE = new Set(['Download complete', 'Pull complete', 'Already exists', 'Verifying Checksum', 'Extracting']);

export class PullTracker {
  private layers = new Map<string, Layer>();
  private status = '';

  /** Feeds one JSON message of the engine's pull stream; throws on an error message. */
  update(msg: PullMessage): void {
    if (msg.error || msg.errorDetail) {
      throw new Error(String(msg.errorDetail?.message ?? msg.error));
    }
    const status = msg.status;
    if (typeof status === 'string')
      this.status = msg.id && !/^[0-9a-f]{12}$/.test(msg.id) ? `${msg.id}: ${status}` : status;
    const id = msg.id;
    // Layer ids are 12 hex characters; other ids are the tag being pulled.
    if (typeof id !== 'string' || !/^[0-9a-f]{12}$/.test(id)) return;
    const l = this.layers.get(id) ?? { current: 0, total: 0, done: false };
    this.layers.set(id, l);
    const d = msg.progressDetail;
    if (status === 'Downloading' && d && typeof d.total === 'number') {
      l.total = Math.max(l.total, d.total);
      l.current = Math.min(d.current ?? 0, l.total);
    } else if (status !== undefined && DONE.has(status)) {
      // The download of this layer is over (or was never needed).
      if (status === 'Already exists') l.total = 0;
      l.current = l.total;
      l.done = true;
    }
  }

  snapshot(): PullProgress {
    let current = 0;
    let total = 0;
    let layersDone = 0;
    for (const l of this.layers.values()) {
      current += l.current;
      total += l.total;
      if (l.done) layersDone++;
    }
    return { current, total, layers: this.layers.size, layersDone, status: this.status };
  }

  /** At the end of a successful pull every layer is done. */
  finish(): PullProgress {
    for (const l of this.layers.values()) {
      l.current = l.total;
      l.done = true;
    }
    return this.snapshot();
  }
}

/** "busybox" -> busybox:latest; keeps a given tag or digest; a registry port is not a tag. */
export function splitReference(ref: string): { name: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { name: ref.slice(0, at), tag: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref, tag: 'latest' };
}
