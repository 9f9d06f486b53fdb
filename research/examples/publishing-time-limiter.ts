/**
 * The seed document's PublishingTimeLimiter (LiveStreamingServerNet's
 * "RTMP Server Events" example) against our typed handler API: a stream
 * handler that starts a timer when a client publishes and disconnects it
 * after `limitSeconds`; the timer is cleared when the publish ends first.
 *
 *   const server = await startServer({ configText: 'listen 1935; vhost __defaultVhost__ {}' });
 *   const limiter = new PublishingTimeLimiter(server, { limitSeconds: 30 * 60 });
 *   const unregister = server.handlers.addStreamHandler(limiter);
 *   // later: unregister(); limiter.dispose();
 *
 * Differences from the C# original, all deliberate: `disconnect` never
 * blocks and is safe anywhere (the original's DisconnectAsync must not be
 * awaited inside a handler of the same client); its reason reaches every
 * sink's close event as the detail of close reason `kicked`. (The per-client
 * `ctx.state` bag could hold the timer; a Map keyed by client id keeps the
 * original's shape.)
 */
import type { ClientHandle, HandlerContext, StreamHandler, StreamRef } from '../../src/index.js';

/** What the limiter needs of the server: `App` has it. */
export interface ClientLookup {
  getClient(id: string): ClientHandle | undefined;
}

export interface PublishingTimeLimiterConfig {
  readonly limitSeconds: number;
}

export class PublishingTimeLimiter implements StreamHandler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly server: ClientLookup,
    private readonly config: PublishingTimeLimiterConfig,
  ) {}

  onPublished(ctx: HandlerContext, stream: StreamRef): void {
    const clientId = ctx.client.id;
    this.clear(clientId);
    const timer = setTimeout(() => {
      this.timers.delete(clientId);
      this.server.getClient(clientId)?.disconnect(`publishing time limit of ${this.config.limitSeconds} s reached on ${stream.streamPath}`);
    }, this.config.limitSeconds * 1000);
    timer.unref();
    this.timers.set(clientId, timer);
  }

  onUnpublished(ctx: HandlerContext): void {
    this.clear(ctx.client.id);
  }

  /** Publishes being timed now. */
  get active(): number {
    return this.timers.size;
  }

  /** Stops every timer (the original's IDisposable). */
  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private clear(clientId: string): void {
    const timer = this.timers.get(clientId);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(clientId);
  }
}
