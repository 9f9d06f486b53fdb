import type { CloseReason } from '../hooks/events.js';

/**
 * Why an admission was refused, as data: each protocol adapter maps it to
 * its wire (RTMP onStatus error, HTTP 403/404).
 */
export type RefusalCode =
  /** No vhost of that name and no `__defaultVhost__`. */
  | 'vhost_not_found'
  | 'vhost_disabled'
  /** The on_connect gate (or another connect gate) said no. */
  | 'connect_denied'
  | 'empty_stream'
  /** vhost `refer`: the pageUrl's domain is not listed. */
  | 'refer'
  /** vhost `security` rules. */
  | 'security'
  /** Someone else publishes the stream. */
  | 'busy'
  /** The on_publish / on_play gate said no. */
  | 'denied'
  /** This client already publishes or plays. */
  | 'active'
  /** The client went away while a gate was waiting: nothing to answer. */
  | 'closed'
  /** A relay whose chain of upstream servers already holds this one (an edge loop). */
  | 'relay_loop'
  /** `token_traverse`: the origin refused the client's token, or no origin answered. */
  | 'traverse_denied'
  /** A gate allowed with a redirect (http_hooks answer data, authorizer): SRS's RTMP 302. */
  | 'redirect';

export interface Refusal {
  readonly code: RefusalCode;
  /** One line for the client and the log; names the hook, never its URL. */
  readonly description: string;
  readonly reason: CloseReason;
  /** code `redirect`: where the client should go instead. */
  readonly redirect?: string;
}
