/**
 * The player page's own files: plain HTML and vanilla JavaScript, no build
 * step, no inline script (it runs under `script-src 'self'`). The URL to
 * play is user input: it is only ever set as text or as a media URL.
 */

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}form{margin:.5em 0 1em}input[type=url],input[type=text]{width:36em;max-width:100%}
#status{color:#888;font-size:.9em;margin-top:.5em}video{max-width:100%;background:#000}`;

const INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>srs-ts player</title>
<link rel="stylesheet" href="player.css"></head>
<body>
<h1>srs-ts player</h1>
<form id="form"><input id="url" type="text" name="url" placeholder="/live/livestream.flv or /live/livestream.m3u8" autocomplete="off">
<button type="submit">Play</button></form>
<video id="video" muted autoplay controls playsinline width="640"></video>
<div id="status">enter an HTTP-FLV (.flv), HTTP-TS (.ts) or HLS (.m3u8) URL</div>
<script src="mpegts.js"></script>
<script src="hls.js"></script>
<script src="player.js"></script>
</body></html>
`;

const PLAYER_JS = `'use strict';
// Plays ?url= (a path or an http(s) URL): .flv and .ts with mpegts.js, .m3u8
// with hls.js (or the browser's own HLS, as in Safari). The same players SRS's
// pages use; both are served from their npm packages next to this file.
const video = document.getElementById('video');
const status = document.getElementById('status');
const input = document.getElementById('url');
const params = new URLSearchParams(location.search);
const asked = params.get('url') || '';
input.value = asked;

function kindOf(url) {
  const path = url.pathname.toLowerCase();
  if (path.endsWith('.m3u8')) return 'hls';
  if (path.endsWith('.ts')) return 'mpegts';
  return 'flv';
}

function report(text) {
  status.textContent = text;
}

function playHls(url) {
  if (window.Hls && Hls.isSupported()) {
    const hls = new Hls({ liveDurationInfinity: true, lowLatencyMode: false });
    window.srsPlayer = hls;
    hls.on(Hls.Events.ERROR, (_event, data) => { if (data.fatal) report('error: ' + data.type + ' ' + data.details); });
    hls.on(Hls.Events.MANIFEST_PARSED, () => report('playing HLS ' + url));
    hls.loadSource(url);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
    report('playing HLS natively ' + url);
  } else {
    report('this browser cannot play HLS (no Media Source Extensions)');
  }
}

function playMpegts(url, type) {
  if (!window.mpegts || !mpegts.getFeatureList().mseLivePlayback) {
    report('this browser cannot play ' + type + ' (no Media Source Extensions)');
    return;
  }
  const player = mpegts.createPlayer({ type: type, isLive: true, url: url }, { enableStashBuffer: false, liveBufferLatencyChasing: true });
  window.srsPlayer = player;
  player.on(mpegts.Events.ERROR, (kind, detail) => report('error: ' + kind + ' ' + detail));
  player.on(mpegts.Events.STATISTICS_INFO, (info) => { window.srsPlayerStats = info; });
  player.attachMediaElement(video);
  player.load();
  report('playing ' + (type === 'flv' ? 'HTTP-FLV ' : 'HTTP-TS ') + url);
}

if (asked !== '') {
  let url;
  try {
    url = new URL(asked, location.href);
  } catch (error) {
    report('not a URL: ' + asked);
  }
  if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
    report('only http(s) URLs play here: ' + asked);
  } else if (url) {
    const kind = kindOf(url);
    if (kind === 'hls') playHls(url.href);
    else playMpegts(url.href, kind);
    const started = video.play();
    if (started && started.catch) started.catch((error) => report('play: ' + error.message));
  }
}
`;

/** One file of the player page: its type and bytes. */
export interface PlayerAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The page's own files by their name under /players/ (index.html is also `/players/`). */
export function playerAssets(): ReadonlyMap<string, PlayerAsset> {
  const text = (contentType: string, body: string): PlayerAsset => ({ contentType, body: Buffer.from(body, 'utf8') });
  return new Map([
    ['index.html', text('text/html; charset=utf-8', INDEX_HTML)],
    ['player.js', text('text/javascript; charset=utf-8', PLAYER_JS)],
    ['player.css', text('text/css; charset=utf-8', STYLE)],
  ]);
}
