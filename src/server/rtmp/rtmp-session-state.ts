/**
 * The phases of one RTMP connection and the one function that moves between
 * them (DESIGN.md: an explicit state, not loose flags). Pure, so every
 * allowed and refused step is unit-tested.
 */
export type RtmpPhase = 'handshake' | 'connecting' | 'identifying' | 'admitting' | 'publishing' | 'playing' | 'closed';

/** What happened to the connection. */
export type RtmpInput =
  /** C2 arrived. */
  | 'handshake-done'
  /** `connect` was answered. */
  | 'connect'
  /** A publish or play waits for its gates. */
  | 'admit'
  | 'published'
  | 'played'
  /** The publish or play ended (unpublish, closeStream, duration): the connection may publish or play again. */
  | 'ended'
  | 'close';

const TRANSITIONS: Readonly<Record<RtmpPhase, Partial<Readonly<Record<RtmpInput, RtmpPhase>>>>> = {
  handshake: { 'handshake-done': 'connecting', close: 'closed' },
  connecting: { connect: 'identifying', close: 'closed' },
  identifying: { admit: 'admitting', close: 'closed' },
  admitting: { published: 'publishing', played: 'playing', close: 'closed' },
  publishing: { ended: 'identifying', close: 'closed' },
  playing: { ended: 'identifying', close: 'closed' },
  closed: {},
};

/** The phase after `input`, or undefined when `input` cannot happen in `phase`. */
export function nextPhase(phase: RtmpPhase, input: RtmpInput): RtmpPhase | undefined {
  return TRANSITIONS[phase][input];
}
