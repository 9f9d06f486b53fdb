import type { Logger } from '../log.js';
import type { VhostConfig } from '../config/schema.js';
import type { TraverseRequest, TraverseVerdict, TokenTraverse } from '../session/client.js';
import { errorMessage } from '../util/error-message.js';
import { RtmpClient, RtmpClientError } from './rtmp-client.js';
import { upstreamTarget } from './upstream-url.js';

/** SRS tries each origin with a 3 s TCP connect (srs-wave2-spec §4.5); ours bounds each step (connect, createStream, play) by it. */
const DEFAULT_TIMEOUT_MS = 3_000;

/**
 * `cluster { token_traverse on; }` (srs-wave2-spec §4.5): before an edge
 * admits a client, the origin is asked with the client's own token. SRS
 * sends only `connect` with the client's tcUrl and closes on its `_result`,
 * which an SRS origin (and ours) answers before it runs on_connect, so
 * there the token is never judged. Ours goes on for a player: it plays the
 * stream upstream with the client's query and waits for Play.Start, so the
 * origin's on_connect and on_play judge this very client's token (the
 * origin sees a short play: its on_play and on_stop fire for it). A
 * publisher's token is judged by the origin's on_publish through the edge
 * publish itself; its traverse is SRS's connect. Origins are tried in config
 * order; the first that answers decides. Every client of an edge vhost, of
 * any protocol, is checked.
 */
export class OriginTokenTraverse implements TokenTraverse {
  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {}

  async check(vhost: VhostConfig, request: TraverseRequest, signal: AbortSignal): Promise<TraverseVerdict> {
    const reasons: string[] = [];
    for (const origin of vhost.cluster.origins) {
      if (signal.aborted) return { ok: false, reason: 'client gone' };
      const target = upstreamTarget(origin, vhost.cluster.vhost, { vhost: vhost.name, app: request.app, stream: request.stream, param: request.param, tcUrl: request.tcUrl });
      let client: RtmpClient | undefined;
      const abort = (): void => client?.close();
      signal.addEventListener('abort', abort, { once: true });
      try {
        // The client's own tcUrl (query included) when it sent one, as SRS; an HTTP viewer's token is in its query.
        client = await RtmpClient.connect(target.url, { tcUrl: request.tcUrl === '' ? target.tcUrl : request.tcUrl, pageUrl: request.pageUrl, timeoutMs: this.timeoutMs });
        if (request.kind === 'play') await client.play();
        return { ok: true };
      } catch (error) {
        // An answer from the origin decides; only an unreachable origin lets the next one be tried.
        if (error instanceof RtmpClientError && error.code !== 'ERR_TIMEOUT' && error.code !== 'ERR_RTMP_CLIENT_CLOSED') {
          this.logger.info({ origin: target.remote, code: error.code }, 'token traverse: the origin refused the client');
          return { ok: false, reason: `origin ${target.remote} refused: ${error.code} ${error.message}`.trim() };
        }
        reasons.push(`${target.remote}: ${errorMessage(error)}`);
      } finally {
        signal.removeEventListener('abort', abort);
        client?.close();
      }
    }
    this.logger.warn({ tried: reasons }, 'token traverse: no origin answered');
    return { ok: false, reason: `no origin answered (${reasons.join('; ')})` };
  }
}
