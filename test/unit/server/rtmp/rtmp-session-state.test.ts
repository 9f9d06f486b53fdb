import { describe, expect, it } from 'vitest';
import { nextPhase, type RtmpInput, type RtmpPhase } from '../../../../src/server/rtmp/rtmp-session-state.js';

const PHASES: readonly RtmpPhase[] = ['handshake', 'connecting', 'identifying', 'admitting', 'publishing', 'playing', 'closed'];
const INPUTS: readonly RtmpInput[] = ['handshake-done', 'connect', 'admit', 'published', 'played', 'ended', 'close'];

/** Every allowed step of an RTMP connection; anything else is refused. */
const ALLOWED: ReadonlyArray<[RtmpPhase, RtmpInput, RtmpPhase]> = [
  ['handshake', 'handshake-done', 'connecting'],
  ['connecting', 'connect', 'identifying'],
  ['identifying', 'admit', 'admitting'],
  ['admitting', 'published', 'publishing'],
  ['admitting', 'played', 'playing'],
  ['publishing', 'ended', 'identifying'],
  ['playing', 'ended', 'identifying'],
  ...PHASES.filter((phase) => phase !== 'closed').map((phase): [RtmpPhase, RtmpInput, RtmpPhase] => [phase, 'close', 'closed']),
];

describe('nextPhase', () => {
  it.each(ALLOWED)('%s --%s--> %s', (phase, input, next) => {
    expect(nextPhase(phase, input)).toBe(next);
  });

  it.each([
    ['handshake', 'connect'],
    ['handshake', 'admit'],
    ['connecting', 'admit'],
    ['connecting', 'handshake-done'],
    ['identifying', 'published'],
    ['identifying', 'connect'],
    ['admitting', 'admit'],
    ['admitting', 'ended'],
    ['publishing', 'admit'],
    ['publishing', 'played'],
    ['playing', 'published'],
    ['closed', 'close'],
    ['closed', 'admit'],
  ] as Array<[RtmpPhase, RtmpInput]>)('%s refuses %s', (phase, input) => {
    expect(nextPhase(phase, input)).toBeUndefined();
  });

  it('refuses every pair not in the allowed list, and closed is final', () => {
    const allowed = new Set(ALLOWED.map(([phase, input]) => `${phase}/${input}`));
    for (const phase of PHASES) {
      for (const input of INPUTS) {
        if (!allowed.has(`${phase}/${input}`)) expect(nextPhase(phase, input), `${phase}/${input}`).toBeUndefined();
      }
    }
    expect(INPUTS.map((input) => nextPhase('closed', input))).toEqual(INPUTS.map(() => undefined));
  });

  it('a publish and a play can follow each other on one connection', () => {
    const walk = (inputs: RtmpInput[]): RtmpPhase | undefined =>
      inputs.reduce<RtmpPhase | undefined>((phase, input) => (phase === undefined ? undefined : nextPhase(phase, input)), 'handshake');
    expect(walk(['handshake-done', 'connect', 'admit', 'published', 'ended', 'admit', 'played', 'ended', 'close'])).toBe('closed');
    expect(walk(['handshake-done', 'admit'])).toBeUndefined();
  });
});
