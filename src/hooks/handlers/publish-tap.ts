import type { Logger } from '../../log.js';
import type { StreamCacheListener } from '../../core/stream.js';
import type { MediaPacket } from '../../media/packet.js';
import type { HandlerList } from './handler-list.js';
import { isThenable } from './handler-call.js';
import type { CacheInterceptor, MediaInfo, MediaInterceptor, PublishOwner, PublishSite } from './types.js';

/** What a tap reaches of the handler system. */
export interface TapPort {
  readonly logger: Logger;
  readonly media: HandlerList<MediaInterceptor>;
  readonly cache: HandlerList<CacheInterceptor>;
  /** The publisher sent onMetaData: the stream handlers are told (queued, as every notification). */
  metadata(owner: PublishOwner, packet: MediaPacket): void;
}

/**
 * One publish as the interceptors see it: the media interceptors run on
 * every packet before the stream caches and fans it out, the cache
 * interceptors on what the stream caches. Synchronous, on the media path:
 * an interceptor that throws is logged once and switched off for this
 * publish; the publisher is not harmed (LSSN disconnects it, spec B3).
 */
export class PublishTap implements StreamCacheListener {
  readonly streamPath: string;
  /** Interceptors that threw during this publish: not called again for it. */
  private readonly broken = new Set<unknown>();

  constructor(
    readonly site: PublishSite,
    readonly owner: PublishOwner,
    private readonly port: TapPort,
  ) {
    this.streamPath = `/${owner.app}/${owner.stream}`;
  }

  /** The site's interceptor: false drops the packet (a data message an interceptor dropped). */
  readonly intercept = (packet: MediaPacket): boolean => {
    const info = this.info(packet);
    let keep = true;
    for (const interceptor of this.port.media.items) {
      if (this.broken.has(interceptor)) continue;
      try {
        if (interceptor.filter !== undefined && !interceptor.filter(info)) continue;
        const verdict: unknown = interceptor.onMedia(info, packet.payload);
        if (verdict === 'drop' && packet.kind === 'data') keep = false;
        else if (isThenable(verdict)) this.watch(interceptor, verdict);
      } catch (error) {
        this.disable(interceptor, 'media interceptor', error);
      }
    }
    return keep;
  };

  sequenceHeader(packet: MediaPacket): void {
    this.eachCache((interceptor, info) => interceptor.onSequenceHeader?.(info, packet.payload), packet);
  }

  gopFrame(packet: MediaPacket): void {
    this.eachCache((interceptor, info) => interceptor.onGopFrame?.(info, packet.payload), packet);
  }

  gopCleared(): void {
    const ref = { clientId: this.owner.clientId, streamPath: this.streamPath };
    this.eachCache((interceptor) => interceptor.onGopCleared?.(ref), undefined);
  }

  metadata(packet: MediaPacket): void {
    this.port.metadata(this.owner, packet);
  }

  private eachCache(call: (interceptor: CacheInterceptor, info: MediaInfo) => unknown, packet: MediaPacket | undefined): void {
    const { items } = this.port.cache;
    if (items.length === 0) return;
    const info = packet === undefined ? (undefined as unknown as MediaInfo) : this.info(packet);
    for (const interceptor of items) {
      if (this.broken.has(interceptor)) continue;
      try {
        const result = call(interceptor, info);
        if (isThenable(result)) this.watch(interceptor, result);
      } catch (error) {
        this.disable(interceptor, 'cache interceptor', error);
      }
    }
  }

  private info(packet: MediaPacket): MediaInfo {
    return {
      clientId: this.owner.clientId,
      streamPath: this.streamPath,
      kind: packet.kind,
      timestamp: packet.timestamp,
      isKeyframe: packet.isKeyframe,
      isSequenceHeader: packet.isSequenceHeader,
      isMetadata: packet.isMetadata,
    };
  }

  /** A promise an interceptor returned is not awaited; its rejection is logged, never unhandled. */
  private watch(interceptor: unknown, result: PromiseLike<unknown>): void {
    result.then(undefined, (error: unknown) => this.disable(interceptor, 'interceptor promise', error));
  }

  private disable(interceptor: unknown, what: string, error: unknown): void {
    if (this.broken.has(interceptor)) return;
    this.broken.add(interceptor);
    this.port.logger.warn({ client_id: this.owner.clientId, stream: this.streamPath, code: 'ERR_HANDLER_THROW', err: error instanceof Error ? error.message : String(error) }, `${what} failed, off for this publish`);
  }
}
