import type { MediaPacket } from '../media/packet.js';
import { FanoutBatch } from './fanout-batch.js';
import { GopCache, type GopCacheListener } from './gop-cache.js';
import { WireCache } from './wire-cache.js';

/** What the stream needs from a player (core/player.ts for every socket protocol). */
export interface StreamPlayer {
  /**
   * True while the player takes whole batches: the stream then does not push
   * it packets one by one and `flush` gets every packet of the window.
   */
  readonly followsBatch: boolean;
  /** Queues a packet; must not write to a socket (the stream calls `flush`). */
  push(packet: MediaPacket): void;
  /**
   * Writes what was queued, in one batched write. `batch` is what the stream
   * fanned out since its last flush (absent for a join's burst).
   */
  flush(batch?: FanoutBatch): void;
  /** The publisher left: the player stays and waits (NetStream.Play.UnpublishNotify). */
  publisherLeft(): void;
  /** A publisher (re)started: the player resumes (NetStream.Play.PublishNotify). */
  publisherArrived(): void;
  /** The player left the stream: release what it holds of the stream (its wire channel). */
  detached?(): void;
}

/**
 * Sees every packet of a publish without being a player (DESIGN.md "The
 * data path"): the HLS segmenter. It does not keep the stream alive and is
 * dropped from the stream when the publish ends; it must not throw.
 */
export interface StreamObserver {
  /** Every media message of the publisher, sequence headers and metadata included, in order. */
  packet(packet: MediaPacket): void;
  /** The publish ended (the observer is removed right after). */
  publishStopped(): void;
}

/**
 * Told what the stream caches (in-process cache interceptors and metadata
 * handlers): set only while one is registered, so the media path without
 * them pays nothing beyond the GOP cache's undefined check. Must not throw.
 */
export interface StreamCacheListener extends GopCacheListener {
  /** A sequence header was cached (replacing the previous one of its kind). */
  sequenceHeader(packet: MediaPacket): void;
  /** onMetaData was cached. */
  metadata(packet: MediaPacket): void;
}

/** What the stream needs from its publisher. */
export interface StreamPublisher {
  readonly clientId: string;
}

/** Per-stream settings read from the vhost when the stream is published. */
export interface StreamOptions {
  gopCache: boolean;
  gopCacheMaxFrames: number;
  /** play.mw_latency: how long writes to players are batched. 0 = next tick. */
  batchWindowMs: number;
  /** SRS statistic id (`vid-xxxxxxx`) given to the stream when it is created. */
  statId: string;
}

/** Counters for the API and logs. */
export interface StreamCounters {
  frames: number;
  recvBytes: number;
}

/**
 * One live stream: at most one publisher, any number of players. Caches the
 * metadata, the sequence headers and the current GOP so a joining player
 * starts on a key frame at once; fans every packet out to every player and
 * batches the writes (SRS mw_latency) with one timer per stream.
 */
export class Stream {
  publisher: StreamPublisher | undefined;
  readonly players = new Set<StreamPlayer>();
  /** Observers of the current publish (cleared when it stops). */
  readonly observers = new Set<StreamObserver>();
  readonly counters: StreamCounters = { frames: 0, recvBytes: 0 };
  /** This stream's packets in every wire format its players use, encoded once each. */
  readonly wires = new WireCache();
  private metadata: MediaPacket | undefined;
  private videoHeader: MediaPacket | undefined;
  private audioHeader: MediaPacket | undefined;
  private readonly gop: GopCache;
  private cacheListener: StreamCacheListener | undefined;
  private batch = new FanoutBatch();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  /** SRS statistic stream id, stable while the stream exists (hook `stream_id`). */
  readonly statId: string;

  constructor(
    readonly key: string,
    private options: StreamOptions,
  ) {
    this.gop = new GopCache(options.gopCacheMaxFrames);
    this.statId = options.statId;
  }

  /** The client id of the last publisher, kept after it left (the API's `publish.cid`). */
  lastPublisherId: string | undefined;
  /** When the stream was created, ms since epoch. */
  readonly createdAtMs = Date.now();

  /** The cached sequence headers (codec, profile, size for the API). */
  get sequenceHeaders(): { readonly video: MediaPacket | undefined; readonly audio: MediaPacket | undefined } {
    return { video: this.videoHeader, audio: this.audioHeader };
  }

  /** The publisher's last onMetaData (a relay's first message upstream). */
  get cachedMetadata(): MediaPacket | undefined {
    return this.metadata;
  }

  /** What the publisher sent sequence headers for (an HTTP-FLV header's flags). */
  get hasAudio(): boolean {
    return this.audioHeader !== undefined;
  }
  get hasVideo(): boolean {
    return this.videoHeader !== undefined;
  }

  get isActive(): boolean {
    return this.publisher !== undefined;
  }

  /** True when nobody publishes or plays: the hub may forget it. */
  get isIdle(): boolean {
    return this.publisher === undefined && this.players.size === 0;
  }

  /** Sets (or with undefined clears) who is told what the stream caches. */
  listenToCache(listener: StreamCacheListener | undefined): void {
    this.cacheListener = listener;
    this.gop.listener = listener;
  }

  /** Starts a publish session; the caller checked the stream is free. */
  startPublish(publisher: StreamPublisher, options: StreamOptions): void {
    this.publisher = publisher;
    this.lastPublisherId = publisher.clientId;
    this.options = options;
    this.wires.reset();
    for (const player of this.players) player.publisherArrived();
  }

  /** Ends the publish session: caches are dropped, players are told and kept. */
  stopPublish(publisher: StreamPublisher): void {
    if (this.publisher !== publisher) return;
    this.publisher = undefined;
    this.flushNow();
    this.metadata = undefined;
    this.videoHeader = undefined;
    this.audioHeader = undefined;
    this.gop.clear();
    const observers = [...this.observers];
    this.observers.clear();
    for (const observer of observers) observer.publishStopped();
    for (const player of this.players) player.publisherLeft();
  }

  /** One media message from the publisher: cache it and fan it out. */
  publish(packet: MediaPacket): void {
    this.counters.frames++;
    this.counters.recvBytes += packet.payload.length;
    // The listener checks sit in the rare branches: the per-packet path has none.
    if (packet.isMetadata) {
      this.metadata = packet;
      this.cacheListener?.metadata(packet);
    } else if (packet.isSequenceHeader) {
      if (packet.kind === 'video') this.videoHeader = packet;
      else this.audioHeader = packet;
      this.cacheListener?.sequenceHeader(packet);
    } else if (this.options.gopCache) this.gop.push(packet);
    for (const observer of this.observers) observer.packet(packet);
    if (this.players.size === 0) return;
    this.wires.observe(packet);
    this.batch.packets.push(packet);
    for (const player of this.players) if (!player.followsBatch) player.push(packet);
    this.scheduleFlush();
  }

  /** Adds a player; when live it gets metadata, sequence headers and the GOP at once. */
  addPlayer(player: StreamPlayer): void {
    this.players.add(player);
    if (this.publisher === undefined) return;
    if (this.metadata !== undefined) player.push(this.metadata);
    if (this.videoHeader !== undefined) player.push(this.videoHeader);
    if (this.audioHeader !== undefined) player.push(this.audioHeader);
    for (const packet of this.gop.snapshot()) player.push(packet);
    player.flush();
  }

  removePlayer(player: StreamPlayer): void {
    if (this.players.delete(player)) player.detached?.();
  }

  /** Cancels the batch timer (the hub drops an idle stream). */
  dispose(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushScheduled = false;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (this.options.batchWindowMs <= 0) setImmediate(this.flushNow);
    else this.flushTimer = setTimeout(this.flushNow, this.options.batchWindowMs);
  }

  private readonly flushNow = (): void => {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushScheduled = false;
    const batch = this.batch;
    this.batch = new FanoutBatch();
    for (const player of this.players) player.flush(batch);
  };
}
