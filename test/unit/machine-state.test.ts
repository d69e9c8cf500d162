import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveState } from '../../app/machine/state';
import type { AgentStatus } from '../../app/base/machine-types';

const agent = (state: AgentStatus['state']): AgentStatus => ({ state, steps: [], agentPid: 1 });

test('state is derived from what is observed', () => {
  const cases: Array<[Parameters<typeof deriveState>[0], string]> = [
    [{ created: false, agent: undefined, vm: 'absent' }, 'not created'],
    [{ created: true, agent: undefined, vm: 'absent' }, 'stopped'],
    [{ created: true, agent: undefined, vm: 'stopped' }, 'stopped'],
    [{ created: true, agent: undefined, vm: 'running' }, 'broken'],
    [{ created: true, agent: 'unresponsive', vm: 'running' }, 'broken'],
    [{ created: true, agent: agent('starting'), vm: 'stopped' }, 'starting'],
    [{ created: true, agent: agent('starting'), vm: 'running' }, 'starting'],
    [{ created: true, agent: agent('running'), vm: 'running' }, 'running'],
    [{ created: true, agent: agent('running'), vm: 'stopped' }, 'broken'],
    [{ created: true, agent: agent('stopping'), vm: 'running' }, 'stopping'],
  ];
  for (const [o, want] of cases) assert.equal(deriveState(o).state, want, JSON.stringify(o));
});

test('a broken machine says why and what to do', () => {
  assert.match(
    deriveState({ created: true, agent: undefined, vm: 'running' }).reason!,
    /host agent is gone: run "berth up" to reattach/,
  );
});
