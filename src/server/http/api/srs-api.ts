import { cpus, freemem, loadavg, totalmem, uptime } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../log.js';
import { findVhost, type Config } from '../../../config/schema.js';
import { Hub } from '../../../core/hub.js';
import type { Stream } from '../../../core/stream.js';
import { SrsSignature } from '../../../rtmp/constants.js';
import type { ClientRegistry, RegisteredClient } from '../../../session/client-registry.js';
import type { TrafficStats } from '../../../session/traffic-stats.js';
import { crossdomainHeaders } from '../cors.js';
import { clientView, streamView, vhostView } from './api-views.js';
import { Decimal, srsJsonText, type SrsJson } from './srs-json-text.js';
import { checkBasicAuth } from './basic-auth.js';
import { LalApi } from './lal-api.js';

/** What the API reads and controls; app.ts builds it. */
export interface SrsApiContext {
  getConfig(): Config;
  readonly registry: ClientRegistry;
  readonly hub: Hub;
  readonly stats: TrafficStats;
  readonly serverId: string;
  readonly serviceId: string;
  readonly startedAtMs: number;
  /** raw_api reload: SIGHUP's reload; true when the new config is in force. */
  reload(): boolean;
  readonly logger: Logger;
  /** lalserver's /api/stat/* and /api/ctrl/* beside ours (lal-api.ts); absent: those paths are ours (404). */
  readonly lal?: LalApi | undefined;
}

/** SRS error codes the API answers with HTTP 200 (srs_kernel_error.hpp, srs-wave2-spec §5.5). */
const CODE = { configRaw: 1060, configRawDisabled: 1061, noVhost: 2014, streamNotFound: 2048, clientNotFound: 2049 } as const;

/** Request bodies the API reads: none; a body over this is refused (413) instead of read. */
const MAX_BODY_BYTES = 4096;

/** SRS srs_protocol_http_conn.cpp: a JSONP callback is made of these. */
const JSONP_CALLBACK = /^[A-Za-z0-9_.-]{1,128}$/;

const VERSION = SrsSignature.version.split('.').map(Number);

/** A parsed API request. */
interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly callback: string | undefined;
}

/** An answer: JSON (HTTP 200 with a code) or a plain HTTP status. */
type Answer = { readonly json: SrsJson } | { readonly status: number; readonly text: string; readonly headers?: Readonly<Record<string, string>> };

/**
 * SRS's HTTP API v1 (srs-spec §5, srs-wave2-spec §5): the envelope, the
 * vhosts/streams/clients views, kick, raw reload, JSONP, CORS and Basic
 * auth. Lists come in arrival order (SRS orders them by random id), paged
 * with SRS's `start` and `count` (at least 10, as SRS).
 */
export class SrsApi {
  private lastCpu = { atMs: Date.now(), usage: process.cpuUsage(), system: systemCpuTimes() };

  constructor(private readonly ctx: SrsApiContext) {}

  /** Answers one request; `rootIsApi` on the API's own port (GET / lists the API). */
  handle(req: IncomingMessage, res: ServerResponse, rootIsApi: boolean): void {
    const config = this.ctx.getConfig();
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
    if (config.httpApi.crossdomain && req.headers.origin !== undefined) {
      for (const [name, value] of crossdomainHeaders()) res.setHeader(name, value);
    }
    res.setHeader('Server', SrsSignature.server);
    if (req.method === 'OPTIONS' && config.httpApi.crossdomain) {
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
      return;
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > MAX_BODY_BYTES || (req.headers['transfer-encoding'] !== undefined && req.method !== 'GET')) {
      this.send(res, { status: 413, text: 'Payload Too Large', headers: { Connection: 'close' } }, undefined);
      req.destroy();
      return;
    }
    // lal's ctrl calls carry a JSON body: its API reads it; ours reads none.
    const lal = this.ctx.lal !== undefined && LalApi.owns(path) ? this.ctx.lal : undefined;
    if (lal === undefined) req.resume();
    const { auth } = config.httpApi;
    if (auth.enabled && path.startsWith('/api/')) {
      const verdict = checkBasicAuth(req.headers.authorization, auth.username, auth.password);
      if (verdict !== 'ok') {
        this.ctx.logger.warn({ ip: req.socket.remoteAddress, path: path.slice(0, 128), reason: verdict }, 'api: unauthorized');
        this.send(res, { status: 401, text: 'Unauthorized', headers: verdict === 'missing' || verdict === 'wrong' ? { 'WWW-Authenticate': 'Basic realm="srs"' } : {} }, undefined);
        req.resume();
        return;
      }
    }
    if (lal !== undefined) {
      lal.handle(req, res, path, query);
      return;
    }
    const callback = query.get('callback') ?? undefined;
    if (callback !== undefined && !JSONP_CALLBACK.test(callback)) {
      this.send(res, { status: 400, text: 'Bad Request: invalid jsonp callback' }, undefined);
      return;
    }
    // JSONP can only GET: `&method=DELETE` stands for the verb (srs_protocol_http_conn.cpp).
    const method = callback !== undefined ? (query.get('method') ?? 'GET').toUpperCase() : (req.method ?? 'GET');
    const answer = this.route({ method, path, query, callback }, rootIsApi, config);
    this.send(res, answer, callback);
  }

  private route(r: ApiRequest, rootIsApi: boolean, config: Config): Answer {
    if (r.path.includes('..')) return { status: 400, text: 'Bad Request' };
    const parts = r.path.split('/').slice(1);
    if (r.path === '/' && rootIsApi) return this.ok({ urls: { api: 'the api root' } });
    if (parts[0] !== 'api') return NOT_FOUND;
    if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) return this.ok({ urls: { v1: 'the api version 1.0' } });
    if (parts[1] !== 'v1') return NOT_FOUND;
    const [, , resource, id, extra] = parts;
    if (resource === undefined || resource === '') return this.ok({ urls: V1_URLS });
    if (extra !== undefined) return NOT_FOUND;
    switch (resource) {
      case 'versions':
        return id === undefined ? this.ok({ data: { major: VERSION[0] ?? 0, minor: VERSION[1] ?? 0, revision: VERSION[2] ?? 0, version: SrsSignature.version } }) : NOT_FOUND;
      case 'summaries':
        return id === undefined ? this.ok({ data: this.summaries() }) : NOT_FOUND;
      case 'raw':
        return id === undefined ? this.raw(r.query, config) : NOT_FOUND;
      case 'vhosts':
      case 'streams':
      case 'clients': {
        // SRS registers `/api/v1/streams/`: the bare name redirects (srs_protocol_http_stack.cpp:725-748).
        if (id === undefined) return { status: 302, text: `Redirect to /api/v1/${resource}/`, headers: { Location: `/api/v1/${resource}/${queryText(r.query)}` } };
        const allowed = resource === 'clients' ? ['GET', 'DELETE'] : ['GET'];
        if (!allowed.includes(r.method)) return { status: 405, text: 'Method Not Allowed', headers: { Allow: allowed.join(', ') } };
        this.ctx.stats.refresh();
        if (resource === 'vhosts') return this.vhosts(id, config);
        if (resource === 'streams') return this.streams(id, r.query);
        return r.method === 'DELETE' ? this.kick(id) : this.clients(id, r.query);
      }
      default:
        return NOT_FOUND;
    }
  }

  private vhosts(id: string, config: Config): Answer {
    const views = this.ctx.stats.seenVhosts().map((vhost) => {
      const clients = this.ctx.registry.list().filter((c) => c.type !== undefined && c.facts.vhost === vhost.name).length;
      const streams = [...this.ctx.hub.all()].filter((s) => s.key.startsWith(`${vhost.name}/`)).length;
      const configured = findVhost(config, vhost.name);
      return { id: vhost.id, json: vhostView(vhost, configured?.enabled ?? false, configured?.hls, clients, streams) };
    });
    if (id === '') return this.ok({ vhosts: views.map((v) => v.json) });
    const one = views.find((v) => v.id === id);
    return one === undefined ? code(CODE.noVhost) : this.ok({ vhost: one.json });
  }

  private streams(id: string, query: URLSearchParams): Answer {
    const clients = this.ctx.registry.list().filter((c) => c.type !== undefined);
    const view = (stream: Stream): SrsJson => {
      const mine = clients.filter((c) => Hub.keyOf(c.facts.vhost, c.facts.app, c.facts.stream) === stream.key);
      const first = mine.find((c) => c.type?.endsWith('-publish') === true) ?? mine[0];
      const vhostName = stream.key.slice(0, stream.key.indexOf('/'));
      return streamView(stream, { vhostId: this.ctx.stats.seenVhost(vhostName).id, first, clients: mine.length }, this.ctx.stats);
    };
    const streams = [...this.ctx.hub.all()];
    if (id === '') return this.ok({ streams: page(streams, query).map(view) });
    const one = streams.find((s) => s.statId === id);
    return one === undefined ? code(CODE.streamNotFound) : this.ok({ stream: view(one) });
  }

  private clients(id: string, query: URLSearchParams): Answer {
    const view = (client: RegisteredClient): SrsJson => {
      const f = client.facts;
      return clientView(client, this.ctx.stats.seenVhost(f.vhost).id, f.streamId, this.ctx.stats);
    };
    const clients = this.ctx.registry.list().filter((c) => c.type !== undefined);
    if (id === '') return this.ok({ clients: page(clients, query).map(view) });
    const one = clients.find((c) => c.id === id);
    return one === undefined ? code(CODE.clientNotFound) : this.ok({ client: view(one) });
  }

  /** DELETE /api/v1/clients/<id>: the ordinary teardown with reason `kicked`; every end event follows. */
  private kick(id: string): Answer {
    if (!this.ctx.registry.kick(id, 'kicked by the HTTP API')) return code(CODE.clientNotFound);
    this.ctx.logger.info({ client_id: id }, 'api: client kicked');
    return this.ok({});
  }

  private raw(query: URLSearchParams, config: Config): Answer {
    const rpc = query.get('rpc') ?? '';
    const { httpApi } = config;
    if (rpc === 'raw') {
      const listen = `${httpApi.listen.host === undefined ? '' : `${httpApi.listen.host}:`}${httpApi.listen.port}`;
      return {
        json: {
          code: 0,
          http_api: {
            enabled: httpApi.enabled,
            listen,
            crossdomain: httpApi.crossdomain,
            raw_api: { enabled: httpApi.rawApi.enabled, allow_reload: httpApi.rawApi.allowReload, allow_query: false, allow_update: false },
          },
        },
      };
    }
    if (!httpApi.rawApi.enabled) return code(CODE.configRawDisabled);
    if (rpc !== 'reload' && rpc !== 'reload-fetch') return code(CODE.configRaw);
    if (!httpApi.rawApi.allowReload) return code(CODE.configRawDisabled);
    if (rpc === 'reload-fetch') return { json: { code: 0, data: { err: 0, msg: 'Success', state: 90, rid: this.ctx.serviceId } } };
    // SRS signals the reload and answers at once; the outcome is logged as for SIGHUP.
    setImmediate(() => this.ctx.reload());
    return { json: { code: 0 } };
  }

  private summaries(): SrsJson {
    const now = Date.now();
    const usage = process.cpuUsage();
    const system = systemCpuTimes();
    const elapsedUs = Math.max(1, (now - this.lastCpu.atMs) * 1000);
    const selfCpu = (usage.user - this.lastCpu.usage.user + usage.system - this.lastCpu.usage.system) / elapsedUs;
    const systemBusy = system.busy - this.lastCpu.system.busy;
    const systemAll = system.busy + system.idle - (this.lastCpu.system.busy + this.lastCpu.system.idle);
    this.lastCpu = { atMs: now, usage, system };
    const rss = process.memoryUsage.rss();
    const total = totalmem();
    const [load1 = 0, load5 = 0, load15 = 0] = loadavg();
    let recv = 0;
    let send = 0;
    for (const vhost of this.ctx.stats.seenVhosts()) {
      recv += vhost.traffic.recvBytes;
      send += vhost.traffic.sendBytes;
    }
    return {
      ok: true,
      now_ms: now,
      self: {
        version: SrsSignature.version,
        pid: process.pid,
        ppid: process.ppid,
        argv: process.argv.join(' '),
        cwd: process.cwd(),
        mem_kbyte: Math.round(rss / 1024),
        mem_percent: new Decimal(rss / total),
        cpu_percent: new Decimal(selfCpu),
        srs_uptime: Math.floor((now - this.ctx.startedAtMs) / 1000),
      },
      // Disk, swap, network-interface and socket-state counters are not sampled: 0, as SRS reports them before its first sample.
      system: {
        cpu_percent: new Decimal(systemAll > 0 ? systemBusy / systemAll : 0),
        disk_read_KBps: 0,
        disk_write_KBps: 0,
        disk_busy_percent: new Decimal(0),
        mem_ram_kbyte: Math.round(total / 1024),
        mem_ram_percent: new Decimal((total - freemem()) / total),
        mem_swap_kbyte: 0,
        mem_swap_percent: new Decimal(0),
        cpus: cpus().length,
        cpus_online: cpus().length,
        uptime: new Decimal(uptime()),
        ilde_time: new Decimal(system.idle / 1000),
        load_1m: new Decimal(load1),
        load_5m: new Decimal(load5),
        load_15m: new Decimal(load15),
        net_sample_time: now,
        net_recv_bytes: 0,
        net_send_bytes: 0,
        net_recvi_bytes: 0,
        net_sendi_bytes: 0,
        srs_sample_time: now,
        srs_recv_bytes: recv,
        srs_send_bytes: send,
        conn_sys: 0,
        conn_sys_et: 0,
        conn_sys_tw: 0,
        conn_sys_udp: 0,
        conn_srs: this.ctx.registry.size,
      },
    };
  }

  /** The envelope SRS puts before every successful body: code, server, service, pid (a string). */
  private ok(fields: { readonly [key: string]: SrsJson }): Answer {
    return { json: { code: 0, server: this.ctx.serverId, service: this.ctx.serviceId, pid: String(process.pid), ...fields } };
  }

  private send(res: ServerResponse, answer: Answer, callback: string | undefined): void {
    if ('json' in answer) {
      const text = srsJsonText(answer.json);
      const body = callback === undefined ? text : `${callback}(${text})`;
      res.writeHead(200, { 'Content-Type': callback === undefined ? 'application/json' : 'text/javascript', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const body = answer.text;
    res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...answer.headers });
    res.end(body);
  }
}

const NOT_FOUND: Answer = { status: 404, text: 'Not Found' };

function code(value: number): Answer {
  return { json: { code: value } };
}

/** SRS's urls of /api/v1/, those this server answers. */
const V1_URLS: SrsJson = Object.freeze({
  versions: 'the version of SRS',
  summaries: 'the summary(pid, argv, pwd, cpu, mem) of SRS',
  vhosts: 'manage all vhosts or specified vhost',
  streams: 'manage all streams or specified stream',
  clients: 'manage all clients or specified client, default query top 10 clients',
  raw: 'raw api for srs, support CUID srs for instance the config',
});

/** SRS paging: start >= 0, count at least 10 (srs_app_http_api.cpp:786-789). */
function page<T>(items: readonly T[], query: URLSearchParams): T[] {
  const start = Math.max(0, Number.parseInt(query.get('start') ?? '0', 10) || 0);
  const count = Math.max(10, Number.parseInt(query.get('count') ?? '0', 10) || 0);
  return items.slice(start, start + count);
}

function queryText(query: URLSearchParams): string {
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

function systemCpuTimes(): { busy: number; idle: number } {
  let busy = 0;
  let idle = 0;
  for (const cpu of cpus()) {
    idle += cpu.times.idle;
    busy += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq;
  }
  return { busy, idle };
}
