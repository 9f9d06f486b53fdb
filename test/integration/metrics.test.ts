import { afterEach, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { httpViewer, publishArgs, rawExchange, runFfmpeg, statusLine, TestResources, waitFor, type CallbackServer, type TestServer } from './harness.js';

/** A Prometheus text parser written by others (prom2json's output shape), so our exposition is read as Prometheus reads it, not as we think it. */
const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => MetricFamily[];

interface Sample {
  value?: string;
  labels?: Record<string, string>;
}

interface MetricFamily {
  name: string;
  help: string;
  type: 'GAUGE' | 'COUNTER' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

async function scrape(url: string): Promise<{ contentType: string; text: string; families: Map<string, MetricFamily> }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const text = await response.text();
  const families = parsePrometheusTextFormat(text);
  return { contentType: response.headers.get('content-type') ?? '', text, families: new Map(families.map((family) => [family.name, family])) };
}

/**
 * One line's value by its exact series text. The parser folds a histogram's
 * label sets into one (it only handles unlabelled histograms), so histogram
 * series are read from their lines; the parser still checked the whole text.
 */
function line(text: string, series: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${series} `));
  return found === undefined ? Number.NaN : Number(found.slice(series.length + 1));
}

function family(families: Map<string, MetricFamily>, name: string, type: MetricFamily['type']): MetricFamily {
  const found = families.get(name);
  expect(found, name).toBeDefined();
  expect(found?.type, name).toBe(type);
  return found!;
}

/** The value of the one sample whose labels include `labels`; 0 when there is none. */
function value(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const sample = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample === undefined ? 0 : Number(sample.value);
}

function hooksConfig(hooks: CallbackServer): string {
  return `http_hooks { enabled on; on_publish ${hooks.url('/publish')}; on_play ${hooks.url('/play')}; on_stop ${hooks.url('/stop')}; }`;
}

describe('Prometheus /metrics with real sessions and a real hooks server', () => {
  const used = new TestResources();
  afterEach(() => used.release());

  it('SRS names and units, our hook and protocol series moving with real clients, parsed by a Prometheus text parser', async () => {
    // A play whose param says deny is refused with SRS's non-zero code.
    const hooks = await used.startHooks((call, res) => res.end(String(call.json['param']).includes('deny') ? '{"code":403}' : '0'));
    const server: TestServer = await used.startServer(
      `listen 0; http_api { enabled on; listen 0; } exporter { enabled on; listen 0; label 'cn"east\\1'; tag cn-edge; }
       http_server { enabled on; listen 0; }
       vhost __defaultVhost__ { play { mw_latency 100; } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } ${hooksConfig(hooks)} }`,
    );
    const exporterUrl = (path: string): string => `http://127.0.0.1:${server.app.exporterAddresses[0]!.port}${path}`;
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 30));
    used.children.push(publisher);
    await waitFor('the stream to be live', () => server.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    const player = await RtmpClient.connect(server.url('live/livestream'));
    used.clients.push(player);
    await player.play();
    const viewer = httpViewer(server.httpUrl('live/livestream.flv'));
    used.viewers.push(viewer);
    expect((await viewer.head).status).toBe(200);
    const denied = await RtmpClient.connect(server.url('live/livestream?deny=1'));
    used.clients.push(denied);
    await expect(denied.play()).rejects.toThrow();
    await waitFor('the viewer receiving', () => viewer.body().length > 20_000);

    const first = await scrape(exporterUrl('/metrics'));
    // prom-client's content type (text format 0.0.4); SRS sends text/plain without the version.
    expect(first.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const f = first.families;
    const build = family(f, 'srs_build_info', 'GAUGE').metrics[0]!;
    // A quote and a backslash in a label value come back as written: escaped in the text (SRS does not escape).
    expect(build.labels).toMatchObject({ pid: String(process.pid), label: 'cn"east\\1', tag: 'cn-edge', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    expect(family(f, 'srs_node_uname_info', 'GAUGE').metrics[0]!.labels).toMatchObject({ sysname: 'Linux' });
    family(f, 'srs_cpu_percent', 'GAUGE');
    // srs_memory is KiB, as SRS really reports it (the server runs in this process).
    const memoryKib = Number(family(f, 'srs_memory', 'GAUGE').metrics[0]!.value);
    const rssKib = process.memoryUsage.rss() / 1024;
    expect(memoryKib).toBeGreaterThan(rssKib * 0.5);
    expect(memoryKib).toBeLessThan(rssKib * 2);
    family(f, 'srs_send_bytes_total', 'COUNTER');
    family(f, 'srs_receive_bytes_total', 'COUNTER');
    expect(value(f, 'srs_streams')).toBe(1);
    expect(value(f, 'srs_clients')).toBe(3);
    expect(value(f, 'srs_clients_total')).toBe(3);
    family(f, 'srs_clients_errs_total', 'COUNTER');
    expect(value(f, 'srs_ts_clients', { protocol: 'rtmp', type: 'fmle-publish' })).toBe(1);
    expect(value(f, 'srs_ts_clients', { protocol: 'rtmp', type: 'rtmp-play' })).toBe(1);
    expect(value(f, 'srs_ts_clients', { protocol: 'http-flv', type: 'flv-play' })).toBe(1);
    expect(value(f, 'srs_ts_streams', { state: 'publishing' })).toBe(1);

    // Hook outcomes match what the hooks server saw, call for call.
    const plays = hooks.calls.filter((call) => call.path === '/play');
    expect(plays).toHaveLength(3);
    family(f, 'srs_ts_hook_calls_total', 'COUNTER');
    expect(value(f, 'srs_ts_hook_calls_total', { sink: 'http_hooks', event: 'on_publish', outcome: 'allowed' })).toBe(1);
    expect(value(f, 'srs_ts_hook_calls_total', { sink: 'http_hooks', event: 'on_play', outcome: 'allowed' })).toBe(2);
    expect(value(f, 'srs_ts_hook_calls_total', { sink: 'http_hooks', event: 'on_play', outcome: 'denied' })).toBe(1);
    family(f, 'srs_ts_hook_duration_seconds', 'HISTOGRAM');
    expect(line(first.text, 'srs_ts_hook_duration_seconds_count{sink="http_hooks",event="on_play"}')).toBe(3);
    expect(line(first.text, 'srs_ts_hook_duration_seconds_bucket{le="+Inf",sink="http_hooks",event="on_play"}')).toBe(3);
    expect(line(first.text, 'srs_ts_hook_duration_seconds_count{sink="http_hooks",event="on_publish"}')).toBe(1);

    // Counters move with the stream, and with the viewer leaving.
    const sentBefore = value(f, 'srs_send_bytes_total');
    const flvBefore = value(f, 'srs_ts_bytes_total', { protocol: 'http-flv', direction: 'send' });
    expect(flvBefore).toBeGreaterThan(20_000);
    const bodyBefore = viewer.body().length;
    await waitFor('more media', () => viewer.body().length > bodyBefore + 20_000);
    viewer.close();
    await waitFor('on_stop delivered', () => hooks.calls.some((call) => call.path === '/stop'));
    const second = (await scrape(exporterUrl('/metrics'))).families;
    expect(value(second, 'srs_send_bytes_total')).toBeGreaterThan(sentBefore);
    // The viewer's bytes outlive it: a counter never goes back.
    expect(value(second, 'srs_ts_bytes_total', { protocol: 'http-flv', direction: 'send' })).toBeGreaterThan(flvBefore);
    expect(value(second, 'srs_ts_clients', { protocol: 'http-flv', type: 'flv-play' })).toBe(0);
    let stops = 0;
    for (let tries = 0; stops === 0 && tries < 50; tries++) {
      stops = value((await scrape(exporterUrl('/metrics'))).families, 'srs_ts_hook_calls_total', { event: 'on_stop', outcome: 'delivered' });
      if (stops === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stops).toBe(1);

    // The API listener serves /metrics too (SRS mounts it there).
    expect(value((await scrape(server.apiUrl('metrics'))).families, 'srs_streams')).toBe(1);
  }, 60_000);

  it('the exporter listener serves /metrics only: no API, no DELETE; with the exporter off the API answers code 1090', async () => {
    const server = await used.startServer('listen 0; http_api { enabled on; listen 0; } exporter { enabled on; listen 0; } vhost __defaultVhost__ { }');
    const port = server.app.exporterAddresses[0]!.port;
    const publisher = await RtmpClient.connect(server.url('live/s'));
    used.clients.push(publisher);
    await publisher.publish();
    const id = server.app.registry.list()[0]!.id;
    for (const [request, expected] of [
      ['GET /api/v1/clients/ HTTP/1.1', 'HTTP/1.1 404 Not Found'],
      [`DELETE /api/v1/clients/${id} HTTP/1.1`, 'HTTP/1.1 404 Not Found'],
      ['DELETE /metrics HTTP/1.1', 'HTTP/1.1 405 Method Not Allowed'],
      ['GET /console/ HTTP/1.1', 'HTTP/1.1 404 Not Found'],
      ['GET /metrics HTTP/1.1', 'HTTP/1.1 200 OK'],
    ] as const) {
      expect(statusLine(await rawExchange(port, `${request}\r\nHost: x\r\nConnection: close\r\n\r\n`)), request).toBe(expected);
    }
    expect(server.app.registry.get(id)).toBeDefined();

    const off = await used.startServer('listen 0; http_api { enabled on; listen 0; } vhost __defaultVhost__ { }');
    expect(off.app.exporterAddresses).toEqual([]);
    const response = await fetch(off.apiUrl('metrics'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"code":1090}');
  });
});
