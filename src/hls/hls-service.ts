import type { Logger } from '../log.js';
import type { VhostConfig } from '../config/schema.js';
import type { Stream } from '../core/stream.js';
import type { HlsSegmentEvent, HlsSegmentOpenEvent, StreamPublisherFacts } from '../hooks/events.js';
import type { PublishObservers } from '../session/client.js';
import { HlsSegmenter } from './hls-segmenter.js';

/** What the service needs from the app. */
export interface HlsServiceOptions {
  readonly logger: Logger;
  /** Segment events to the hook system (on_hls, on_hls_notify, our sinks). */
  readonly segment: (event: HlsSegmentEvent) => void;
  /** Segment-open events (lal on_hls_make_ts `open`); absent: none are built. */
  readonly segmentOpen?: (event: HlsSegmentOpenEvent) => void;
  /** How often idle streams are checked for hls_dispose (SRS: the 1 s source cycle). */
  readonly disposeCheckMs?: number;
  readonly now?: () => number;
}

/**
 * Every stream's segmenter, by stream key: attached to a publish when its
 * vhost has `hls { enabled on; }`, kept after it (the sequence continues on
 * a republish) until hls_dispose deletes its files, and disposed at
 * shutdown as SRS does. The set is bounded by the streams published within
 * one hls_dispose; with `hls_dispose 0` a segmenter (a window of names) is
 * kept per stream ever published, as SRS keeps its sources.
 */
export class HlsService implements PublishObservers {
  private readonly segmenters = new Map<string, HlsSegmenter>();
  private readonly timer: NodeJS.Timeout;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(private readonly options: HlsServiceOptions) {
    this.logger = options.logger.child({ component: 'hls' });
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => this.disposeIdle(false), options.disposeCheckMs ?? 1000);
    this.timer.unref();
  }

  attach(stream: Stream, publisher: StreamPublisherFacts, vhost: VhostConfig, disconnect: (detail: string) => void): void {
    if (!vhost.hls.enabled) return;
    let segmenter = this.segmenters.get(stream.key);
    if (segmenter === undefined) {
      const names = { vhost: publisher.vhost, app: publisher.app, stream: publisher.stream };
      segmenter = new HlsSegmenter(names, vhost.hls, publisher, {
        logger: this.logger.child({ vhost: names.vhost, app: names.app, stream: names.stream }),
        segment: this.options.segment,
        ...(this.options.segmentOpen === undefined ? {} : { segmentOpen: this.options.segmentOpen }),
        now: this.now,
      });
      this.segmenters.set(stream.key, segmenter);
    }
    segmenter.start(vhost.hls, publisher, disconnect);
    stream.observers.add(segmenter);
  }

  /** The segmenter of a stream key, while it exists. */
  segmenterOf(key: string): HlsSegmenter | undefined {
    return this.segmenters.get(key);
  }

  /**
   * Stops the timer; with `dispose`, deletes the files of every stream no
   * longer published (SRS disposes at graceful shutdown).
   */
  close(dispose: boolean): void {
    clearInterval(this.timer);
    if (dispose) this.disposeIdle(true);
  }

  private disposeIdle(force: boolean): void {
    const nowMs = this.now();
    for (const [key, segmenter] of this.segmenters) {
      if (segmenter.disposeIfIdle(nowMs, force)) this.segmenters.delete(key);
    }
  }
}
