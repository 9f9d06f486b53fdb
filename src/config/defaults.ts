/**
 * Every default and every bound of the typed config, in one table
 * (mediamtx `setDefaults` style, not SRS's 300 getters). Defaults are SRS
 * v7.0.18's getter defaults (srs-spec §3.2); the source line is cited where
 * the value is not obvious.
 */
export const DEFAULTS = {
  maxConnections: 1000,
  // SRS get_daemon: on unless `daemon off` (we never fork; app.ts logs that).
  daemon: true,
  pid: './objs/srs.pid',
  // SRS get_log_tank_file: file unless `srs_log_tank console` (or in docker).
  logTank: 'file',
  logLevel: 'trace',
  logFile: './objs/srs.log',
  // SRS_CONSTS_RTMP_SRS_CHUNK_SIZE.
  chunkSize: 60000,
  httpApi: { enabled: false, port: 1985, crossdomain: true },
  // SRS get_exporter_* (srs_app_config.cpp:3798-3870).
  exporter: { enabled: false, port: 9972 },
  // SRS get_http_stream_crossdomain (srs_app_config.cpp:8357-8374): on.
  httpServer: { enabled: false, port: 8080, dir: './objs/nginx/html', crossdomain: true },
  // SRS_HTTP_CLIENT_TIMEOUT is 30 s (srs-spec §1.3); concurrency and queue are ours.
  hooks: { timeoutMs: 30_000, concurrency: 10, queueSize: 1000 },
  // The spool (ours): 64 MiB and a day, as the issue asks; retries from 1 s doubling to a minute.
  spool: { maxSizeBytes: 64 * 1024 * 1024, maxAgeMs: 24 * 3_600_000, retryMinMs: 1000, retryMaxMs: 60_000 },
  // lalserver http_notify: update_interval_sec 5 as shipped (conf/lalserver.conf.json:86-100), a 3 s client timeout (http_notify.go:23).
  httpNotify: { enabled: false, updateIntervalSec: 5, timeoutMs: 3000 },
  vhost: { enabled: true, minLatency: false, inAckSize: 0, outAckSize: 2_500_000 },
  // SRS_PERF_MW_SLEEP 350 ms.
  play: { gopCache: true, gopCacheMaxFrames: 2500, queueLengthSec: 30, mwLatencyMs: 350 },
  publish: { firstPacketTimeoutMs: 20_000, normalTimeoutMs: 5000 },
  // tlsVerify: ours; SRS never verifies hook certificates (srs-spec §1.3).
  httpHooks: { enabled: false, tlsVerify: true },
  security: { enabled: false },
  refer: { enabled: false },
  // SRS get_vhost_http_remux_* (srs_app_config.cpp:8534-8710).
  httpRemux: { enabled: false, mount: '[vhost]/[app]/[stream].flv', fastCacheSec: 0, dropIfNotMatch: true, hasAudio: true, hasVideo: true, guessHasAv: true },
  // SRS get_hls_* (srs_app_config.cpp:6899-7396, srs-wave2-spec §2.1).
  cluster: { mode: 'local', origins: [], vhost: '[vhost]', tokenTraverse: false },
  forward: { enabled: false, destinations: [] },
  hls: {
    enabled: false, fragmentSec: 10, tdRatio: 1.0, aofRatio: 2.1, windowSec: 60, onError: 'continue', path: './objs/nginx/html',
    m3u8File: '[app]/[stream].m3u8', tsFile: '[app]/[stream]-[seq].ts', tsFloor: false, entryPrefix: '', acodec: 'aac', vcodec: 'h264',
    cleanup: true, disposeSec: 120, waitKeyframe: true, nbNotify: 64, ctx: true, tsCtx: true,
  },
} as const;

const INT32_MAX = 2_147_483_647;

/** Inclusive [min, max] of every number a config may set. */
export const BOUNDS = {
  // RTMP chunk size limits SRS_CONSTS_RTMP_MIN/MAX_CHUNK_SIZE (SRS only warns; we refuse).
  chunkSize: [128, 65536],
  maxConnections: [1, 1_000_000],
  // 0 = no frame limit, as in SRS (SrsGopCache::cache, srs_app_source.cpp:664).
  gopCacheMaxFrames: [0, 1_000_000],
  queueLengthSec: [0, 3600],
  mwLatencyMs: [0, 10_000],
  ackSize: [0, INT32_MAX],
  publishTimeoutMs: [0, 3_600_000],
  // http_remux.fast_cache, seconds of audio (SRS atof has no bound; this one is ours).
  fastCacheSec: [0, 3600],
  hooksConcurrency: [1, 1000],
  hooksQueue: [1, 1_000_000],
  // HLS bounds are ours (SRS atof/atoi has none): a fragment of 0.2 s..1 h, a window up to a day.
  hlsFragmentSec: [0.2, 3600],
  hlsRatio: [0.1, 100],
  hlsWindowSec: [0, 86_400],
  hlsDisposeSec: [0, 86_400 * 7],
  // SRS reads at most 4096 bytes of an on_hls_notify answer whatever hls_nb_notify says.
  hlsNbNotify: [0, 4096],
  /** http_notify.update_interval, seconds (ours: lal accepts any int). */
  httpNotifyIntervalSec: [0, 86_400],
  /** Longest hook timeout accepted, in ms. */
  hooksTimeoutMaxMs: 600_000,
  /** hooks.spool_max_size, bytes: 16 KiB (tests) .. 64 GiB. */
  spoolMaxSizeBytes: [16 * 1024, 64 * 1024 ** 3],
  /** hooks.spool_max_age, ms: up to 30 days. */
  spoolMaxAgeMaxMs: 30 * 86_400_000,
  /** hooks.spool_retry_min / spool_retry_max, ms: up to an hour. */
  spoolRetryMaxMs: 3_600_000,
} as const;
