import { Stream, type StreamOptions, type StreamPlayer, type StreamPublisher } from './stream.js';

/** Result of a publish attempt: the stream, or busy when another client publishes it. */
export type AcquireResult = { ok: true; stream: Stream } | { ok: false; publisherClientId: string };

/**
 * The stream registry (SRS SrsLiveSourceManager): one `Stream` per
 * vhost/app/stream key. A stream exists while it has a publisher or players,
 * so a player may wait for a stream nobody publishes yet, as with SRS.
 */
export class Hub {
  private readonly streams = new Map<string, Stream>();

  /** The key a stream is registered under: the resolved vhost, app and stream. */
  static keyOf(vhost: string, app: string, stream: string): string {
    return `${vhost}/${app}/${stream}`;
  }

  /** {@link keyOf} undone for a key of `vhost`: [app, stream]; the app may hold slashes, the stream does not. */
  static appAndStreamOf(key: string, vhost: string): [string, string] {
    const rest = key.slice(vhost.length + 1);
    const slash = rest.lastIndexOf('/');
    return [rest.slice(0, slash), rest.slice(slash + 1)];
  }

  /** True when another client already publishes `key`. */
  isBusy(key: string): boolean {
    return this.streams.get(key)?.isActive === true;
  }

  /** Claims the stream for `publisher`, unless someone else publishes it. */
  acquirePublish(key: string, publisher: StreamPublisher, options: StreamOptions): AcquireResult {
    const stream = this.getOrCreate(key, options);
    if (stream.publisher !== undefined) return { ok: false, publisherClientId: stream.publisher.clientId };
    stream.startPublish(publisher, options);
    return { ok: true, stream };
  }

  releasePublish(stream: Stream, publisher: StreamPublisher): void {
    stream.stopPublish(publisher);
    this.forgetIfIdle(stream);
  }

  /** Adds a player to `key`, creating a waiting stream when nobody publishes. */
  addPlayer(key: string, player: StreamPlayer, options: StreamOptions): Stream {
    const stream = this.getOrCreate(key, options);
    stream.addPlayer(player);
    return stream;
  }

  removePlayer(stream: Stream, player: StreamPlayer): void {
    stream.removePlayer(player);
    this.forgetIfIdle(stream);
  }

  /** The stream of `key`, created waiting when unknown (a player's format needs its wire cache before it joins). */
  streamOf(key: string, options: StreamOptions): Stream {
    return this.getOrCreate(key, options);
  }

  get(key: string): Stream | undefined {
    return this.streams.get(key);
  }

  /** Every known stream (live or with waiting players). */
  all(): IterableIterator<Stream> {
    return this.streams.values();
  }

  private getOrCreate(key: string, options: StreamOptions): Stream {
    let stream = this.streams.get(key);
    if (stream === undefined) {
      stream = new Stream(key, options);
      this.streams.set(key, stream);
    }
    return stream;
  }

  private forgetIfIdle(stream: Stream): void {
    if (!stream.isIdle || this.streams.get(stream.key) !== stream) return;
    stream.dispose();
    this.streams.delete(stream.key);
  }
}
