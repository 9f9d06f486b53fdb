import type { ValueSource } from './values.js';

/**
 * SRS_* environment overrides (srs-spec §3.1; SRS srs_app_config.cpp macros
 * :62-86). A variable wins over the file; vhost-scoped variables apply to
 * every vhost. Names verified against SRS v7.0.18's getters
 * (`SRS_OVERWRITE_BY_ENV_*("srs.x.y")` reads `SRS_X_Y`). Where SRS reads two
 * names, both are listed, SRS's first one first.
 */
export const ENV_OVERRIDES = {
  listen: ['SRS_LISTEN'],
  maxConnections: ['SRS_MAX_CONNECTIONS'],
  daemon: ['SRS_DAEMON'],
  pid: ['SRS_PID'],
  logTank: ['SRS_SRS_LOG_TANK', 'SRS_LOG_TANK'],
  logLevel: ['SRS_SRS_LOG_LEVEL', 'SRS_LOG_LEVEL'],
  logLevelV2: ['SRS_SRS_LOG_LEVEL_V2', 'SRS_LOG_LEVEL_V2'],
  logFile: ['SRS_SRS_LOG_FILE', 'SRS_LOG_FILE'],
  // SRS has no SRS_CHUNK_SIZE: its global getter reads SRS_VHOST_CHUNK_SIZE (get_global_chunk_size).
  // We also accept SRS_CHUNK_SIZE for the global value only.
  chunkSize: ['SRS_VHOST_CHUNK_SIZE', 'SRS_CHUNK_SIZE'],
  serverId: ['SRS_SERVER_ID'],
  exporterEnabled: ['SRS_EXPORTER_ENABLED'],
  exporterListen: ['SRS_EXPORTER_LISTEN'],
  exporterLabel: ['SRS_EXPORTER_LABEL'],
  exporterTag: ['SRS_EXPORTER_TAG'],
  httpApiEnabled: ['SRS_HTTP_API_ENABLED'],
  httpApiListen: ['SRS_HTTP_API_LISTEN'],
  httpApiCrossdomain: ['SRS_HTTP_API_CROSSDOMAIN'],
  rawApiEnabled: ['SRS_HTTP_API_RAW_API_ENABLED'],
  rawApiAllowReload: ['SRS_HTTP_API_RAW_API_ALLOW_RELOAD'],
  apiAuthEnabled: ['SRS_HTTP_API_AUTH_ENABLED'],
  apiAuthUsername: ['SRS_HTTP_API_AUTH_USERNAME'],
  apiAuthPassword: ['SRS_HTTP_API_AUTH_PASSWORD'],
  httpServerEnabled: ['SRS_HTTP_SERVER_ENABLED'],
  httpServerListen: ['SRS_HTTP_SERVER_LISTEN'],
  httpServerDir: ['SRS_HTTP_SERVER_DIR'],
  httpServerCrossdomain: ['SRS_HTTP_SERVER_CROSSDOMAIN'],
  vhostChunkSize: ['SRS_VHOST_CHUNK_SIZE'],
  vhostMinLatency: ['SRS_VHOST_MIN_LATENCY'],
  vhostInAckSize: ['SRS_VHOST_IN_ACK_SIZE'],
  vhostOutAckSize: ['SRS_VHOST_OUT_ACK_SIZE'],
  playGopCache: ['SRS_VHOST_PLAY_GOP_CACHE'],
  playGopCacheMaxFrames: ['SRS_VHOST_PLAY_GOP_CACHE_MAX_FRAMES'],
  playQueueLength: ['SRS_VHOST_PLAY_QUEUE_LENGTH'],
  playMwLatency: ['SRS_VHOST_PLAY_MW_LATENCY'],
  publishFirstPacketTimeout: ['SRS_VHOST_PUBLISH_FIRSTPKT_TIMEOUT'],
  publishNormalTimeout: ['SRS_VHOST_PUBLISH_NORMAL_TIMEOUT'],
  hooksEnabled: ['SRS_VHOST_HTTP_HOOKS_ENABLED'],
  onConnect: ['SRS_VHOST_HTTP_HOOKS_ON_CONNECT'],
  onClose: ['SRS_VHOST_HTTP_HOOKS_ON_CLOSE'],
  onPublish: ['SRS_VHOST_HTTP_HOOKS_ON_PUBLISH'],
  onUnpublish: ['SRS_VHOST_HTTP_HOOKS_ON_UNPUBLISH'],
  onPlay: ['SRS_VHOST_HTTP_HOOKS_ON_PLAY'],
  onStop: ['SRS_VHOST_HTTP_HOOKS_ON_STOP'],
  // Ours: a secret is better kept out of the file.
  hooksSecret: ['SRS_VHOST_HTTP_HOOKS_SECRET'],
  // get_vhost_http_remux_* (srs_app_config.cpp:8534-8710).
  remuxEnabled: ['SRS_VHOST_HTTP_REMUX_ENABLED'],
  remuxMount: ['SRS_VHOST_HTTP_REMUX_MOUNT'],
  remuxFastCache: ['SRS_VHOST_HTTP_REMUX_FAST_CACHE'],
  remuxDropIfNotMatch: ['SRS_VHOST_HTTP_REMUX_DROP_IF_NOT_MATCH'],
  remuxHasAudio: ['SRS_VHOST_HTTP_REMUX_HAS_AUDIO'],
  remuxHasVideo: ['SRS_VHOST_HTTP_REMUX_HAS_VIDEO'],
  remuxGuessHasAv: ['SRS_VHOST_HTTP_REMUX_GUESS_HAS_AV'],
  onHls: ['SRS_VHOST_HTTP_HOOKS_ON_HLS'],
  onHlsNotify: ['SRS_VHOST_HTTP_HOOKS_ON_HLS_NOTIFY'],
  // get_hls_* (srs_app_config.cpp:6899-7396): srs.vhost.hls.<name> reads SRS_VHOST_HLS_<NAME>.
  hlsEnabled: ['SRS_VHOST_HLS_ENABLED'],
  hlsFragment: ['SRS_VHOST_HLS_HLS_FRAGMENT'],
  hlsTdRatio: ['SRS_VHOST_HLS_HLS_TD_RATIO'],
  hlsAofRatio: ['SRS_VHOST_HLS_HLS_AOF_RATIO'],
  hlsWindow: ['SRS_VHOST_HLS_HLS_WINDOW'],
  hlsOnError: ['SRS_VHOST_HLS_HLS_ON_ERROR'],
  hlsPath: ['SRS_VHOST_HLS_HLS_PATH'],
  hlsM3u8File: ['SRS_VHOST_HLS_HLS_M3U8_FILE'],
  hlsTsFile: ['SRS_VHOST_HLS_HLS_TS_FILE'],
  hlsTsFloor: ['SRS_VHOST_HLS_HLS_TS_FLOOR'],
  hlsEntryPrefix: ['SRS_VHOST_HLS_HLS_ENTRY_PREFIX'],
  hlsAcodec: ['SRS_VHOST_HLS_HLS_ACODEC'],
  hlsVcodec: ['SRS_VHOST_HLS_HLS_VCODEC'],
  hlsCleanup: ['SRS_VHOST_HLS_HLS_CLEANUP'],
  hlsDispose: ['SRS_VHOST_HLS_HLS_DISPOSE'],
  hlsWaitKeyframe: ['SRS_VHOST_HLS_HLS_WAIT_KEYFRAME'],
  hlsNbNotify: ['SRS_VHOST_HLS_HLS_NB_NOTIFY'],
  hlsCtx: ['SRS_VHOST_HLS_HLS_CTX'],
  hlsTsCtx: ['SRS_VHOST_HLS_HLS_TS_CTX'],
  hlsKeys: ['SRS_VHOST_HLS_HLS_KEYS'],
  hlsDtsDirectly: ['SRS_VHOST_HLS_HLS_DTS_DIRECTLY'],
  // Our http_notify block, named as SRS would name srs.http_notify.<key>.
  httpNotifyEnabled: ['SRS_HTTP_NOTIFY_ENABLED'],
  httpNotifyUpdateInterval: ['SRS_HTTP_NOTIFY_UPDATE_INTERVAL'],
  httpNotifyTimeout: ['SRS_HTTP_NOTIFY_TIMEOUT'],
  httpNotifyOnServerStart: ['SRS_HTTP_NOTIFY_ON_SERVER_START'],
  httpNotifyOnUpdate: ['SRS_HTTP_NOTIFY_ON_UPDATE'],
  httpNotifyOnPubStart: ['SRS_HTTP_NOTIFY_ON_PUB_START'],
  httpNotifyOnPubStop: ['SRS_HTTP_NOTIFY_ON_PUB_STOP'],
  httpNotifyOnSubStart: ['SRS_HTTP_NOTIFY_ON_SUB_START'],
  httpNotifyOnSubStop: ['SRS_HTTP_NOTIFY_ON_SUB_STOP'],
  httpNotifyOnRelayPullStart: ['SRS_HTTP_NOTIFY_ON_RELAY_PULL_START'],
  httpNotifyOnRelayPullStop: ['SRS_HTTP_NOTIFY_ON_RELAY_PULL_STOP'],
  httpNotifyOnRtmpConnect: ['SRS_HTTP_NOTIFY_ON_RTMP_CONNECT'],
  httpNotifyOnHlsMakeTs: ['SRS_HTTP_NOTIFY_ON_HLS_MAKE_TS'],
  httpNotifySecret: ['SRS_HTTP_NOTIFY_SECRET'],
} as const;

/** A setting that can be overridden from the environment. */
export type EnvSetting = keyof typeof ENV_OVERRIDES;

/** Environment variables as the builders read them. */
export type EnvMap = Readonly<Record<string, string | undefined>>;

/**
 * The override for a setting, as a ValueSource naming the variable; SRS
 * ignores empty variables (`!srs_getenv(key).empty()`), so do we.
 */
export function envSource(env: EnvMap, setting: EnvSetting, key: string): ValueSource | undefined {
  for (const variable of ENV_OVERRIDES[setting]) {
    const text = env[variable];
    if (text !== undefined && text !== '') return { key, text, origin: { kind: 'env', variable } };
  }
  return undefined;
}

/** SRS splits list variables (SRS_LISTEN, SRS_VHOST_HTTP_HOOKS_ON_*) on spaces, dropping empty items; we split SRS_HTTP_SERVER_LISTEN the same way. */
export function splitEnvList(source: ValueSource): ValueSource[] {
  return source.text
    .split(' ')
    .filter((item) => item !== '')
    .map((text) => ({ ...source, text }));
}
