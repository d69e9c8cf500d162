// A machine's state is worked out from what can be observed right now — the
// settings file, whether its agent answers, whether its VM process lives —
// never only remembered, so any fresh process gets the truth.
import type { VmState } from '../base/vm-types';
import type { AgentStatus, MachineState } from '../base/machine-types';

export interface Observation {
  created: boolean;
  /** The agent's answer; 'unresponsive' when its pid lives but it does not answer; undefined when there is none. */
  agent: AgentStatus | 'unresponsive' | undefined;
  vm: VmState;
}

export function deriveState(o: Observation): { state: MachineState; reason?: string } {
  if (!o.created) return { state: 'not created' };
  if (o.agent === 'unresponsive') {
    return { state: 'broken', reason: 'the host agent does not answer: run "berth down" then "berth up"' };
  }
  if (o.agent) {
    if (o.agent.state === 'running' && o.vm !== 'running') {
      return { state: 'broken', reason: 'the agent reports running but the VM process is gone: run "berth up"' };
    }
    return { state: o.agent.state, reason: o.agent.error?.message };
  }
  if (o.vm === 'running') {
    return {
      state: 'broken',
      reason: 'the VM runs but its host agent is gone: run "berth up" to reattach, or "berth down"',
    };
  }
  return { state: 'stopped' };
}
