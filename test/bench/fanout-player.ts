/** What a fan-out cell needs of a player, whatever its protocol. */
import type { MeteredPlayer } from './fanout-window.js';

export interface FanoutPlayer extends MeteredPlayer {
  /** Resolves with performance.now() at the first video key frame. */
  readonly keyframe: Promise<number>;
  close(): void;
}

/** Opens a player of the running stream; rejects when it cannot start within `timeoutMs`. */
export type OpenPlayer = (timeoutMs: number) => Promise<FanoutPlayer>;
