// The host agent's control protocol: newline-delimited JSON over the agent
// socket in the machine's folder (0600, so only the user can drive it).
// Requests carry an id; answers carry the same id; events carry none.
import type { AgentStatus, Step } from '../../base/machine-types';

/** down saves the machine's memory when it can (the next up resumes it); poweroff shuts it down. */
export type AgentMethod = 'status' | 'up' | 'down' | 'poweroff' | 'subscribe';

export interface AgentRequest {
  id: number;
  method: AgentMethod;
}

export type AgentReply =
  | { id: number; ok: true; result: AgentStatus }
  | { id: number; ok: false; error: { message: string; code?: string; details?: string } };

export type AgentEvent =
  { event: 'status'; data: AgentStatus } | { event: 'step'; data: Step } | { event: 'note'; data: string };

export type AgentMessage = AgentReply | AgentEvent;

/** Splits a byte stream into JSON messages, one per line. */
export function onJsonLines(
  stream: NodeJS.ReadableStream,
  fn: (msg: any) => void,
  onBad?: (line: string) => void,
): void {
  let buf = '';
  stream.on('data', (d: Buffer | string) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        onBad?.(line);
        continue;
      }
      fn(msg);
    }
  });
}

export const AGENT_METHODS: ReadonlySet<string> = new Set<AgentMethod>([
  'status',
  'up',
  'down',
  'poweroff',
  'subscribe',
]);
