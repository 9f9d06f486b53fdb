/**
 * Every directive name SRS knows, as its config checker enforces it
 * (SRS v7.0.18 `SrsConfig::check_normal_config`, srs_app_config.cpp:2321-2867,
 * plus the legacy names `srs_config_transform_vhost` :350-660 removes or
 * renames first). A name SRS does not know is an error, as in SRS; a name SRS
 * knows but we do not implement is one warning. `null` marks a block whose
 * children SRS does not check (so neither do we).
 */

/** Children SRS accepts under a block; `null` = SRS does not check them. */
export interface KnownBlock {
  readonly [name: string]: KnownBlock | null;
}

function names(...list: string[]): KnownBlock {
  return Object.fromEntries(list.map((name) => [name, null]));
}

const HTTP_HOOKS = names('enabled', 'on_connect', 'on_close', 'on_publish', 'on_unpublish', 'on_play', 'on_stop', 'on_dvr', 'on_hls', 'on_hls_notify');

const VHOST: KnownBlock = {
  ...names('enabled', 'chunk_size', 'min_latency', 'tcp_nodelay', 'in_ack_size', 'out_ack_size', 'bandcheck', 'hds'),
  dvr: names('enabled', 'dvr_apply', 'dvr_path', 'dvr_plan', 'dvr_duration', 'dvr_wait_keyframe', 'time_jitter'),
  refer: names('enabled', 'all', 'publish', 'play'),
  exec: names('enabled', 'publish'),
  play: names('time_jitter', 'mix_correct', 'atc', 'atc_auto', 'mw_latency', 'gop_cache', 'gop_cache_max_frames', 'queue_length', 'send_min_interval', 'reduce_sequence_header', 'mw_msgs'),
  cluster: names('mode', 'origin', 'token_traverse', 'vhost', 'debug_srs_upnode', 'coworkers', 'origin_cluster', 'protocol', 'follow_client'),
  publish: names('mr', 'mr_latency', 'firstpkt_timeout', 'normal_timeout', 'parse_sps', 'try_annexb_first', 'kickoff_for_idle'),
  ingest: names('enabled', 'input', 'ffmpeg', 'engine'),
  http_static: names('enabled', 'mount', 'dir'),
  // hstrs: SRS3 removed it and the transform drops it silently.
  http_remux: names('enabled', 'mount', 'fast_cache', 'drop_if_not_match', 'has_audio', 'has_video', 'guess_has_av', 'hstrs'),
  dash: names('enabled', 'dash_fragment', 'dash_update_period', 'dash_timeshift', 'dash_path', 'dash_mpd_file', 'dash_window_size', 'dash_dispose', 'dash_cleanup'),
  hls: names(
    'enabled', 'hls_entry_prefix', 'hls_path', 'hls_fragment', 'hls_window', 'hls_on_error', 'hls_storage', 'hls_mount',
    'hls_td_ratio', 'hls_aof_ratio', 'hls_acodec', 'hls_vcodec', 'hls_m3u8_file', 'hls_ts_file', 'hls_ts_floor', 'hls_cleanup',
    'hls_nb_notify', 'hls_wait_keyframe', 'hls_dispose', 'hls_keys', 'hls_fragments_per_key', 'hls_key_file',
    'hls_key_file_path', 'hls_key_url', 'hls_dts_directly', 'hls_ctx', 'hls_ts_ctx',
  ),
  http_hooks: HTTP_HOOKS,
  forward: names('enabled', 'destination', 'backend'),
  security: names('enabled', 'deny', 'allow'),
  transcode: {
    ...names('enabled', 'ffmpeg'),
    engine: names(
      'enabled', 'vfilter', 'vcodec', 'vbitrate', 'vfps', 'vwidth', 'vheight', 'vthreads', 'vprofile', 'vpreset', 'vparams',
      'acodec', 'abitrate', 'asample_rate', 'achannels', 'aparams', 'output', 'perfile', 'iformat', 'oformat',
    ),
  },
  // aac, bframe: SRS4 names the transform rewrites to rtmp_to_rtc, keep_bframe.
  rtc: names(
    'enabled', 'nack', 'twcc', 'nack_no_copy', 'bframe', 'aac', 'stun_timeout', 'stun_strict_check', 'dtls_role', 'dtls_version',
    'drop_for_pt', 'rtc_to_rtmp', 'pli_for_rtmp', 'rtmp_to_rtc', 'keep_bframe', 'opus_bitrate', 'aac_bitrate', 'keep_avc_nalu_sei',
  ),
  srt: names('enabled', 'srt_to_rtmp'),
};

/** The root of SRS's knowledge (after legacy rewrites, see legacy.ts). */
export const SRS_KNOWN: KnownBlock = {
  ...names(
    'listen', 'pid', 'chunk_size', 'ff_log_dir', 'srs_log_tank', 'srs_log_level', 'srs_log_level_v2', 'srs_log_file',
    'max_connections', 'daemon', 'tencentcloud_apm', 'pithy_print_ms', 'utc_time', 'work_dir', 'asprocess', 'server_id',
    'ff_log_level', 'grace_final_wait', 'force_grace_quit', 'grace_start_wait', 'empty_ip_ok', 'disable_daemon_for_docker',
    'inotify_auto_reload', 'auto_reload_for_docker', 'tcmalloc_release_rate', 'query_latest_version', 'first_wait_for_qlv',
    'threads', 'circuit_breaker', 'is_full', 'in_docker', 'tencentcloud_cls',
  ),
  heartbeat: names('enabled', 'interval', 'url', 'device_id', 'summaries', 'ports'),
  http_api: {
    ...names('enabled', 'listen', 'crossdomain', 'https'),
    raw_api: names('enabled', 'allow_reload', 'allow_query', 'allow_update'),
    auth: names('enabled', 'username', 'password'),
  },
  stats: names('enabled', 'network', 'disk'),
  vhost: VHOST,
  http_server: names('enabled', 'listen', 'dir', 'crossdomain', 'https'),
  stream_caster: {
    // The SRS4 GB28181 names the transform drops (tcp_enable ...) or moves (host -> sip.candidate).
    ...names('enabled', 'caster', 'output', 'listen', 'tcp_enable', 'rtp_port_min', 'rtp_port_max', 'wait_keyframe', 'rtp_idle_timeout', 'audio_enable', 'auto_create_channel', 'host'),
    sip: names('enabled', 'listen', 'timeout', 'reinvite', 'candidate', 'serial', 'realm', 'ack_timeout', 'keepalive_timeout', 'invite_port_fixed', 'query_catalog_interval', 'auto_play'),
  },
  // perf_stat, queue_length: SRS4 names the transform drops.
  rtc_server: names(
    'enabled', 'listen', 'dir', 'candidate', 'ecdsa', 'tcp', 'encrypt', 'reuseport', 'merge_nalus', 'black_hole', 'protocol',
    'ip_family', 'api_as_candidates', 'resolve_api_domain', 'keep_api_domain', 'use_auto_detect_network_ip', 'perf_stat', 'queue_length',
  ),
  // tlpkdrop: the SRS4 spelling of tlpktdrop.
  srt_server: names(
    'enabled', 'listen', 'maxbw', 'mss', 'latency', 'recvlatency', 'peerlatency', 'connect_timeout', 'peer_idle_timeout',
    'sendbuf', 'recvbuf', 'payloadsize', 'default_app', 'sei_filter', 'mix_correct', 'tlpktdrop', 'tsbpdmode', 'passphrase',
    'pbkeylen', 'tlpkdrop',
  ),
  exporter: names('enabled', 'listen', 'label', 'tag'),
};

/** Our extensions: the top-level `hooks {}`, `http_notify {}` and `static_relay_pull {}` blocks, two http_hooks settings and http_server.trusted_proxies, which SRS lacks. */
export const EXTENSIONS: KnownBlock = {
  hooks: names('script', 'webhook', 'stdio_format', 'timeout', 'concurrency', 'queue', 'secret', 'spool', 'spool_max_size', 'spool_max_age', 'spool_retry_min', 'spool_retry_max'),
  // lalserver's http_notify (lal-lssn-spec A1): its event keys as directives, update_interval for update_interval_sec.
  http_notify: names(
    'enabled', 'update_interval', 'timeout', 'on_server_start', 'on_update', 'on_pub_start', 'on_pub_stop', 'on_sub_start',
    'on_sub_stop', 'on_relay_pull_start', 'on_relay_pull_stop', 'on_rtmp_connect', 'on_hls_make_ts', 'secret',
  ),
  // lalserver's static_relay_pull (lal-lssn-spec A6).
  static_relay_pull: names('enabled', 'addr'),
  http_server: names('trusted_proxies'),
  vhost: { http_hooks: names('timeout', 'tls_verify', 'secret') },
};

/**
 * What this server honours; every other known directive gets one
 * "not supported, ignored" warning. `null` = honoured with all its children.
 */
export const HONOURED: KnownBlock = {
  ...names('listen', 'max_connections', 'daemon', 'pid', 'srs_log_tank', 'srs_log_level', 'srs_log_level_v2', 'srs_log_file', 'chunk_size', 'server_id', 'hooks'),
  http_api: { ...names('enabled', 'listen', 'crossdomain'), raw_api: names('enabled', 'allow_reload'), auth: names('enabled', 'username', 'password') },
  http_server: names('enabled', 'listen', 'dir', 'crossdomain', 'trusted_proxies'),
  exporter: names('enabled', 'listen', 'label', 'tag'),
  vhost: {
    ...names('enabled', 'chunk_size', 'min_latency', 'in_ack_size', 'out_ack_size', 'security', 'refer'),
    play: names('gop_cache', 'gop_cache_max_frames', 'queue_length', 'mw_latency'),
    publish: names('firstpkt_timeout', 'normal_timeout'),
    // on_dvr: no DVR, so it would never fire (the extensions timeout, tls_verify are ours, so honoured).
    http_hooks: names('enabled', 'on_connect', 'on_close', 'on_publish', 'on_unpublish', 'on_play', 'on_stop', 'on_hls', 'on_hls_notify'),
    // hls_keys, hls_dts_directly off, hls_storage, hls_mount are read and warned about in build-hls.ts.
    hls: names(
      'enabled', 'hls_fragment', 'hls_td_ratio', 'hls_aof_ratio', 'hls_window', 'hls_on_error', 'hls_path', 'hls_m3u8_file', 'hls_ts_file',
      'hls_ts_floor', 'hls_entry_prefix', 'hls_acodec', 'hls_vcodec', 'hls_cleanup', 'hls_dispose', 'hls_wait_keyframe', 'hls_nb_notify',
      'hls_ctx', 'hls_ts_ctx', 'hls_keys', 'hls_dts_directly', 'hls_storage', 'hls_mount',
    ),
    // protocol, follow_client, origin_cluster, coworkers are read and warned about in build-cluster.ts.
    cluster: names('mode', 'origin', 'vhost', 'token_traverse', 'protocol', 'follow_client', 'origin_cluster', 'coworkers'),
    // backend is read and warned about in build-forward.ts.
    forward: names('enabled', 'destination', 'backend'),
    // fast_cache is read, and warned about in build-http.ts when it is set above 0 (it only affects .aac/.mp3).
    http_remux: names('enabled', 'mount', 'fast_cache', 'drop_if_not_match', 'has_audio', 'has_video', 'guess_has_av'),
  },
};
