/**
 * The web console's static files (SRS ships one at /console/): plain HTML
 * and a little vanilla JavaScript, no build step. Every value shown is set
 * with textContent, never as HTML (stream names are user input). No inline
 * script, so the page runs under `script-src 'self'`.
 */

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}
table{border-collapse:collapse;min-width:40em}th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}
th{background:#f4f4f4}td.num{text-align:right}.muted{color:#888}button{cursor:pointer}
#status{color:#888;font-size:.9em}`;

const INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>srs-ts console</title>
<link rel="stylesheet" href="console.css"></head>
<body>
<h1>srs-ts console</h1>
<div id="status">loading</div>
<h2>Streams</h2>
<table id="streams"><thead><tr><th>vhost</th><th>app</th><th>stream</th><th>publisher</th><th>clients</th><th>kbps in/out</th><th>codecs</th><th>play</th></tr></thead><tbody></tbody></table>
<h2>Clients</h2>
<table id="clients"><thead><tr><th>id</th><th>ip</th><th>type</th><th>stream</th><th>alive (s)</th><th>kbps in/out</th><th></th></tr></thead><tbody></tbody></table>
<script src="console.js"></script>
</body></html>
`;

const CONSOLE_JS = `'use strict';
// Polls the SRS API and renders it; every value goes in through textContent.
const REFRESH_MS = 1000;
const state = { player: '', playUrls: {} };

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
  return response.json();
}

function codecs(stream) {
  const parts = [];
  if (stream.video) parts.push(stream.video.codec + ' ' + (stream.video.width || '') + 'x' + (stream.video.height || ''));
  if (stream.audio) parts.push(stream.audio.codec);
  return parts.join(', ');
}

function renderStreams(streams) {
  const body = document.querySelector('#streams tbody');
  body.replaceChildren();
  for (const s of streams) {
    const row = document.createElement('tr');
    row.dataset.stream = s.id;
    cell(row, s.vhostName);
    cell(row, s.app);
    cell(row, s.name);
    cell(row, s.publish && s.publish.active ? s.publish.cid : '-');
    cell(row, s.clients, 'num');
    cell(row, (s.kbps ? s.kbps.recv_30s + ' / ' + s.kbps.send_30s : ''), 'num');
    cell(row, codecs(s));
    const play = cell(row, '');
    const urls = state.playUrls[s.id] || {};
    for (const [label, url] of [['HTTP-FLV', urls.flv], ['HLS', urls.hls]]) {
      if (!url || !state.player) continue;
      const link = document.createElement('a');
      link.textContent = label;
      link.href = state.player + '?url=' + encodeURIComponent(url);
      if (play.firstChild) play.appendChild(document.createTextNode(' '));
      play.appendChild(link);
    }
    if (!play.firstChild) {
      play.textContent = '-';
      play.className = 'muted';
    }
    body.appendChild(row);
  }
}

function renderClients(clients, streamsById) {
  const body = document.querySelector('#clients tbody');
  body.replaceChildren();
  for (const c of clients) {
    const row = document.createElement('tr');
    row.dataset.client = c.id;
    cell(row, c.id);
    cell(row, c.ip);
    cell(row, c.type);
    const stream = streamsById[c.stream];
    cell(row, stream ? stream.app + '/' + stream.name : c.name);
    cell(row, Math.round(c.alive), 'num');
    cell(row, (c.kbps ? c.kbps.recv_30s + ' / ' + c.kbps.send_30s : ''), 'num');
    const actions = cell(row, '');
    const kick = document.createElement('button');
    kick.type = 'button';
    kick.textContent = 'Kick';
    kick.className = 'kick';
    kick.addEventListener('click', async () => {
      kick.disabled = true;
      await fetch('/api/v1/clients/' + encodeURIComponent(c.id), { method: 'DELETE', credentials: 'same-origin' });
      refresh();
    });
    actions.appendChild(kick);
    body.appendChild(row);
  }
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const [streams, clients, vhosts, play] = await Promise.all([
      getJson('/api/v1/streams/?count=1000'),
      getJson('/api/v1/clients/?count=1000'),
      getJson('/api/v1/vhosts/'),
      getJson('play.json'),
    ]);
    state.player = play.player || '';
    state.playUrls = play.streams || {};
    const vhostNames = {};
    for (const v of vhosts.vhosts || []) vhostNames[v.id] = v.name;
    const list = (streams.streams || []).map((s) => Object.assign({}, s, { vhostName: vhostNames[s.vhost] || s.vhost }));
    const byId = {};
    for (const s of list) byId[s.id] = s;
    renderStreams(list);
    renderClients(clients.clients || [], byId);
    status.textContent = 'updated ' + new Date().toLocaleTimeString() + ': ' + list.length + ' streams, ' + (clients.clients || []).length + ' clients';
  } catch (error) {
    status.textContent = 'cannot read the API: ' + error.message;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
`;

/** One file of the console: its type and bytes. */
export interface ConsoleAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The files by their name under /console/ (index.html is also `/console/`). */
export function consoleAssets(): ReadonlyMap<string, ConsoleAsset> {
  const text = (contentType: string, body: string): ConsoleAsset => ({ contentType, body: Buffer.from(body, 'utf8') });
  return new Map([
    ['index.html', text('text/html; charset=utf-8', INDEX_HTML)],
    ['console.js', text('text/javascript; charset=utf-8', CONSOLE_JS)],
    ['console.css', text('text/css; charset=utf-8', STYLE)],
  ]);
}
