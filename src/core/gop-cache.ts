import type { MediaPacket } from '../media/packet.js';

/**
 * SRS guesses a stream is pure audio after this many audio packets without
 * video and stops caching (SRS_PURE_AUDIO_GUESS_COUNT, srs_app_source.cpp).
 */
const PURE_AUDIO_GUESS_COUNT = 115;

/** Byte bound of one GOP whatever gop_cache_max_frames says (0 there means no frame limit, as SRS). */
export const DEFAULT_GOP_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The packets since the last video key frame, so a player that joins a
 * running stream starts on a key frame at once (SRS SrsGopCache). Bounded by
 * `maxFrames` (play.gop_cache_max_frames, 0 = unlimited) and `maxBytes`: past
 * either the cache is cleared and refills from the next key frame.
 */
/** Told what the cache does (in-process cache interceptors); it must not throw and must not touch the cache. */
export interface GopCacheListener {
  /** `packet` joined the GOP. */
  gopFrame(packet: MediaPacket): void;
  /** The cached frames were dropped: a key frame starts a new GOP, a bound was crossed, or the publish ended. */
  gopCleared(): void;
}

export class GopCache {
  /** Set only while someone listens, so the per-packet cost without one is one undefined check. */
  listener: GopCacheListener | undefined;
  private packets: MediaPacket[] = [];
  private bytes = 0;
  private videoCount = 0;
  private audioAfterLastVideo = 0;
  private readonly maxFrames: number;

  constructor(
    maxFrames: number,
    private readonly maxBytes = DEFAULT_GOP_MAX_BYTES,
  ) {
    this.maxFrames = maxFrames > 0 ? maxFrames : Number.POSITIVE_INFINITY;
  }

  /** Caches a media packet; sequence headers and metadata are kept elsewhere. */
  push(packet: MediaPacket): void {
    if (packet.kind === 'video') {
      if (packet.isKeyframe) this.clear();
      else if (this.packets.length === 0) return; // never start a GOP on an inter frame
      this.videoCount++;
      this.audioAfterLastVideo = 0;
    } else if (packet.kind === 'audio') {
      if (this.videoCount === 0) return; // audio before the first key frame is useless to a decoder
      this.audioAfterLastVideo++;
      if (this.audioAfterLastVideo > PURE_AUDIO_GUESS_COUNT) {
        this.clear();
        return;
      }
    } else {
      if (this.packets.length === 0) return;
    }
    if (this.packets.length >= this.maxFrames || this.bytes + packet.payload.length > this.maxBytes) {
      this.clear();
      return;
    }
    this.packets.push(packet);
    this.bytes += packet.payload.length;
    this.listener?.gopFrame(packet);
  }

  /** The cached packets, oldest first, starting with a key frame. */
  snapshot(): readonly MediaPacket[] {
    return this.packets;
  }

  get size(): number {
    return this.packets.length;
  }

  clear(): void {
    // Only a clear that drops frames is news: a key frame on an empty cache changes nothing.
    if (this.packets.length > 0) this.listener?.gopCleared();
    this.packets = [];
    this.bytes = 0;
    this.videoCount = 0;
    this.audioAfterLastVideo = 0;
  }
}
