/**
 * The typed, validated config the rest of the server reads. Built by
 * `build.ts` from the directive tree with SRS's defaults (srs-spec §3.2).
 * Everything is readonly: a reload builds a new object and swaps it.
 */

/** One `listen` endpoint. `host` undefined means every address (SRS "1935"). */
export interface ListenAddress {
  readonly host: string | undefined;
  readonly port: number;
}

/** SRS srs_log_level names (srs_log_level_v2 values are mapped onto these). */
export type SrsLogLevel = 'verbose' | 'info' | 'trace' | 'warn' | 'error';

/** Where a directive came from, for messages that name file and line. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
}

/** vhost.play (srs-spec §3.2). */
export interface PlayConfig {
  readonly gopCache: boolean; // play.gop_cache, default on
  readonly gopCacheMaxFrames: number; // default 2500; 0 = no frame limit (SRS)
  readonly queueLengthSec: number; // play.queue_length, seconds, default 30
  readonly mwLatencyMs: number; // default 350
}

/** vhost.publish (srs-spec §3.2). */
export interface PublishConfig {
  readonly firstPacketTimeoutMs: number; // publish.firstpkt_timeout, default 20000
  readonly normalTimeoutMs: number; // publish.normal_timeout, default 5000
}

/**
 * vhost.http_hooks. URL lists are already split on spaces, in config order.
 * on_dvr is not here: without DVR it would never fire, so it gets the "not
 * supported" warning.
 */
export interface HttpHooksConfig {
  readonly enabled: boolean; // default off
  readonly onConnect: readonly string[];
  readonly onClose: readonly string[];
  readonly onPublish: readonly string[];
  readonly onUnpublish: readonly string[];
  readonly onPlay: readonly string[];
  readonly onStop: readonly string[];
  /** After each HLS segment is listed (srs-wave2-spec §2.6). */
  readonly onHls: readonly string[];
  /** GET after each HLS segment, `[ts_url]`-style templates. */
  readonly onHlsNotify: readonly string[];
  /** Our extension: per-call timeout; undefined = the global hooks timeout (30 s, as SRS). */
  readonly timeoutMs: number | undefined;
  /** Our extension: verify HTTPS certificates (on by default; SRS never verifies). */
  readonly tlsVerify: boolean;
  /** Our extension: sign every request of this vhost's hooks (README "Signed callbacks"); undefined = unsigned. */
  readonly secret?: string | undefined;
}

/** What a vhost.security rule does when it matches. */
export type SecurityAction = 'allow' | 'deny';
/** One `allow|deny publish|play <target>;` rule, in config order. */
export interface SecurityRule {
  readonly action: SecurityAction;
  readonly method: 'publish' | 'play';
  /** `all`, an IP, or a CIDR. */
  readonly target: string;
}
/** vhost.security (srs_app_security.cpp semantics, srs-spec §3.2). */
export interface SecurityConfig {
  readonly enabled: boolean;
  readonly rules: readonly SecurityRule[];
}

/** vhost.refer: pageUrl host suffix lists. */
export interface ReferConfig {
  readonly enabled: boolean;
  readonly all: readonly string[];
  readonly publish: readonly string[];
  readonly play: readonly string[];
}

/** vhost `http_remux { ... }` (srs-wave2-spec §1.1): HTTP-FLV / HTTP-TS live streaming. */
export interface HttpRemuxConfig {
  readonly enabled: boolean; // default off
  /** Template with [vhost] [app] [stream]; the extension (.flv .ts .aac .mp3) selects the muxer. */
  readonly mount: string; // default [vhost]/[app]/[stream].flv
  readonly fastCacheSec: number; // default 0; only affects .aac/.mp3
  readonly dropIfNotMatch: boolean; // default on (FLV only)
  readonly hasAudio: boolean; // default on
  readonly hasVideo: boolean; // default on
  readonly guessHasAv: boolean; // default on
}

/** One `vhost NAME { ... }` with SRS defaults filled in. */
export interface VhostConfig {
  readonly name: string;
  readonly enabled: boolean; // default on
  readonly chunkSize: number; // default: global chunk_size
  readonly minLatency: boolean; // default off
  readonly inAckSize: number; // default 0
  readonly outAckSize: number; // default 2500000
  readonly play: PlayConfig;
  readonly publish: PublishConfig;
  readonly httpHooks: HttpHooksConfig;
  readonly security: SecurityConfig;
  readonly refer: ReferConfig;
  readonly httpRemux: HttpRemuxConfig;
  readonly hls: HlsConfig;
  readonly cluster: ClusterConfig;
  readonly forward: ForwardConfig;
  readonly position: SourcePosition | undefined;
}

/** An origin an edge pulls from: `host[:port]`, port 1935 by default. */
export interface OriginAddress {
  readonly host: string;
  readonly port: number;
}

/** vhost `forward { ... }` (srs-wave2-spec §4.6): every publish of the vhost is pushed to each destination. */
export interface ForwardConfig {
  readonly enabled: boolean;
  readonly destinations: readonly OriginAddress[];
}

/** vhost `cluster { ... }` (srs-wave2-spec §4.1): `remote` makes this vhost an edge of `origins`. */
export interface ClusterConfig {
  readonly mode: 'local' | 'remote';
  /** Tried in order (srs-ts: failover, not SRS's round-robin). */
  readonly origins: readonly OriginAddress[];
  /** The vhost asked of the origin; `[vhost]` is the edge vhost's name (SRS default). */
  readonly vhost: string;
  /** Each client's own token is checked at the origin before the edge admits it (srs-wave2-spec §4.5; default off). */
  readonly tokenTraverse: boolean;
}

/** What HLS does when writing fails (srs-wave2-spec §2.1 hls_on_error; ours honours `continue`, §6.6). */
export type HlsOnError = 'ignore' | 'continue' | 'disconnect';

/** vhost `hls { ... }` with SRS defaults (srs-wave2-spec §2.1). */
export interface HlsConfig {
  readonly enabled: boolean; // default off
  readonly fragmentSec: number; // default 10
  readonly tdRatio: number; // default 1.0
  readonly aofRatio: number; // default 2.1
  readonly windowSec: number; // default 60
  readonly onError: HlsOnError; // default continue
  readonly path: string; // default ./objs/nginx/html
  /** Template with [vhost] [app] [stream]. */
  readonly m3u8File: string; // default [app]/[stream].m3u8
  /** Template with [vhost] [app] [stream] [seq] [timestamp] [duration] and the date variables. */
  readonly tsFile: string; // default [app]/[stream]-[seq].ts
  readonly tsFloor: boolean; // default off
  readonly entryPrefix: string; // default ''
  /** `an` drops the audio track from the segments. */
  readonly acodec: 'aac' | 'mp3' | 'an'; // default aac
  /** `vn` drops the video track (pure audio). */
  readonly vcodec: 'h264' | 'h265' | 'vn'; // default h264
  readonly cleanup: boolean; // default on
  /** 0 = never. */
  readonly disposeSec: number; // default 120
  readonly waitKeyframe: boolean; // default on
  readonly nbNotify: number; // default 64
  readonly ctx: boolean; // default on
  readonly tsCtx: boolean; // default on
}

/** Events our `hooks {}` block subscribes to (the hooks guide's names). */
export type HookEventName =
  | 'connection_accept'
  | 'connection_close'
  | 'publish_start'
  | 'publish_stop'
  | 'play_start'
  | 'play_stop';

/** One `script EVENT PATH;` or `webhook EVENT URL;`. */
export interface HookTarget {
  readonly event: HookEventName;
  /** Absolute script path or http(s) URL. */
  readonly target: string;
  /** Where a config file named it; absent for a `--hook-*` flag. A bad target is then a config error at that line. */
  readonly origin?: { readonly file: string; readonly line: number };
}

/** Our top-level `hooks { ... }` block; the `--hook-*` flags add to it. */
export interface HooksConfig {
  readonly scripts: readonly HookTarget[];
  readonly webhooks: readonly HookTarget[];
  readonly stdioFormat: 'json' | 'env' | undefined;
  readonly timeoutMs: number; // default 30000
  readonly concurrency: number; // default 10
  readonly queueSize: number; // default 1000
  /** Signs every webhook request (README "Signed callbacks"); undefined = unsigned. */
  readonly secret?: string | undefined;
  /** The durable notification spool; undefined = off (no `spool DIR;`). */
  readonly spool?: SpoolConfig | undefined;
}

/** `hooks { spool DIR; spool_max_size 64m; spool_max_age 24h; ... }`: the write-ahead log of notifications. */
export interface SpoolConfig {
  /** The directory of the segment files, relative to the working directory unless absolute. */
  readonly dir: string;
  readonly maxSizeBytes: number; // default 64 MiB
  /** A notification not delivered this long after it was emitted is given up (counted, logged). */
  readonly maxAgeMs: number; // default 24 h
  /** First retry delay; doubles per attempt up to retryMaxMs, each with jitter. */
  readonly retryMinMs: number; // default 1 s
  readonly retryMaxMs: number; // default 60 s
}

/** `http_api.auth` (SRS 6.0.4+): HTTP Basic on every /api/ path. */
export interface HttpApiAuthConfig {
  readonly enabled: boolean; // default off
  readonly username: string;
  readonly password: string;
}

/** `http_api.raw_api`: `/api/v1/raw?rpc=...` (srs-wave2-spec §5.4). */
export interface RawApiConfig {
  readonly enabled: boolean; // default off
  readonly allowReload: boolean; // default off
}

/** Root `http_api { ... }`. */
export interface HttpApiConfig {
  readonly enabled: boolean;
  readonly listen: ListenAddress;
  /** CORS on API answers (SRS reads http_server.crossdomain instead, srs-wave2-spec §6.10; we honour this one). */
  readonly crossdomain: boolean;
  readonly auth: HttpApiAuthConfig;
  readonly rawApi: RawApiConfig;
}

/** Root `exporter { ... }` (SRS 5.0.67+): Prometheus `/metrics` on its own listener and on the API. */
export interface ExporterConfig {
  readonly enabled: boolean; // default off
  readonly listen: ListenAddress; // default 9972
  /** Extra `label`/`tag` labels of srs_build_info; omitted when empty, as SRS. */
  readonly label: string;
  readonly tag: string;
}

/** Root `http_server { ... }` (SRS1 `http_stream`). */
export interface HttpServerConfig {
  readonly enabled: boolean; // default off
  /** SRS takes one `[ip:]port`; we read every arg of every `listen` (and SRS_HTTP_SERVER_LISTEN split on spaces), like the root listen. */
  readonly listen: readonly ListenAddress[]; // default [{ host: undefined, port: 8080 }]
  readonly dir: string; // default ./objs/nginx/html
  readonly crossdomain: boolean; // default on (SRS)
  /** Our extension `trusted_proxies IP|CIDR ...;`: X-Forwarded-For / X-Real-IP are believed only from these peers (SRS trusts them blindly). Default: none. */
  readonly trustedProxies: readonly string[];
}

/** lalserver's HTTP Notify events, named as lal's `http_notify` keys (lal-lssn-spec A1). */
export type LalNotifyEvent =
  | 'on_server_start'
  | 'on_update'
  | 'on_pub_start'
  | 'on_pub_stop'
  | 'on_sub_start'
  | 'on_sub_stop'
  | 'on_relay_pull_start'
  | 'on_relay_pull_stop'
  | 'on_rtmp_connect'
  | 'on_hls_make_ts';

/** Our top-level `http_notify { ... }` (lalserver's `http_notify` JSON object in our config language). */
export interface HttpNotifyConfig {
  readonly enabled: boolean; // default off (lal `enable`)
  /** lal `update_interval_sec`; 0 = only the on_update right after start (lal). Default 5. */
  readonly updateIntervalSec: number;
  /** Ours: each POST's deadline; default 3 s, lal's http.Client timeout. */
  readonly timeoutMs: number;
  /** One URL per event; absent = that event is off (lal: ""). */
  readonly urls: Readonly<Partial<Record<LalNotifyEvent, string>>>;
  /** Ours: sign every request (README "Signed callbacks"); undefined = unsigned, as lal. */
  readonly secret?: string | undefined;
}

/**
 * Our top-level `static_relay_pull { enabled on; addr host:port; }`
 * (lalserver's `static_relay_pull {enable, addr}`, lal-lssn-spec A6): the
 * first viewer of a stream nobody publishes pulls `rtmp://addr/app/stream`.
 */
export interface StaticRelayPullConfig {
  readonly enabled: boolean; // default off
  readonly addr: OriginAddress | undefined;
}

/** The whole typed config: what loadConfig returns and a reload swaps. */
export interface Config {
  /** The file this came from; undefined for env-only or the embedded default. */
  readonly file: string | undefined;
  readonly listen: readonly ListenAddress[];
  readonly maxConnections: number; // default 1000
  readonly daemon: boolean;
  readonly pid: string; // default ./objs/srs.pid
  readonly logTank: 'console' | 'file';
  readonly logLevel: SrsLogLevel | 'debug';
  readonly logFile: string;
  readonly chunkSize: number; // default 60000
  readonly serverId: string | undefined;
  readonly httpApi: HttpApiConfig;
  readonly httpServer: HttpServerConfig;
  readonly exporter: ExporterConfig;
  readonly hooks: HooksConfig;
  readonly httpNotify: HttpNotifyConfig;
  /** Optional in configs built by hand (embedding). */
  readonly staticRelayPull?: StaticRelayPullConfig;
  /** In config order; the first `vhost NAME` of a name wins, as in SRS. */
  readonly vhosts: ReadonlyMap<string, VhostConfig>;
}

/** The fallback vhost's name (srs-spec §4). */
export const DEFAULT_VHOST = '__defaultVhost__';

/** SRS `get_vhost(name, try_default=true)`: exact match, else `__defaultVhost__`. */
export function findVhost(config: Config, name: string): VhostConfig | undefined {
  return config.vhosts.get(name) ?? config.vhosts.get(DEFAULT_VHOST);
}
