/** An RTMP player of the fan-out cells: counts media payload bytes, resolves `keyframe` at the first key frame. */
import { performance } from 'node:perf_hooks';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { withTimeout } from './fanout-window.js';
import type { FanoutPlayer } from './fanout-player.js';

/** FLV video tag: frame type 1 (key) with AVC packet type 1 (NALUs), so not the sequence header. */
function isVideoKeyframe(payload: Buffer): boolean {
  return payload.length > 1 && payload[0]! >> 4 === 1 && payload[1] === 1;
}

export class RtmpPlayer implements FanoutPlayer {
  mediaBytes = 0;
  readonly keyframe: Promise<number>;
  private onKeyframe: ((at: number) => void) | undefined;

  private constructor(private readonly client: RtmpClient) {
    this.keyframe = new Promise((resolve) => {
      this.onKeyframe = resolve;
    });
    client.onMessage = this.onMessage;
  }

  /** Connects and starts playing `rtmp://.../app/stream`; the caller owns the returned player. */
  static async open(url: string, timeoutMs: number): Promise<RtmpPlayer> {
    const client = await RtmpClient.connect(url, { timeoutMs });
    const player = new RtmpPlayer(client);
    try {
      await withTimeout(client.play(), timeoutMs, 'play');
    } catch (error) {
      client.close();
      throw error;
    }
    return player;
  }

  get socketBytes(): number {
    return this.client.bytesReceived;
  }

  close(): void {
    this.client.close();
  }

  private readonly onMessage = (kind: string, _timestamp: number, payload: Buffer): void => {
    this.mediaBytes += payload.length;
    if (this.onKeyframe !== undefined && kind === 'video' && isVideoKeyframe(payload)) {
      this.onKeyframe(performance.now());
      this.onKeyframe = undefined;
    }
  };
}
