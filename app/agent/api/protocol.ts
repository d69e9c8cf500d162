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

export const AGENT_METHODS: ReadonlySet<string> = new Set<AgentMethod>([
  'status',
  'up',
  'down',
  'poweroff',
  'subscribe',
]);
