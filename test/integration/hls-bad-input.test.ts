import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpViewer, publishArgs, rawExchange, runFfmpeg, statusLine, TestResources, waitFor, type TestServer } from './harness.js';

describe('HLS bad input: paths, crowds and a disk that refuses', () => {
  const used = new TestResources();
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'srs-hls-bad-'));
  });
  afterEach(async () => {
    await used.release();
    rmSync(root, { recursive: true, force: true });
  });

  async function publishing(vhostBody: string, serverBody = ''): Promise<TestServer> {
    const server = await used.startServer(
      `listen 0; ${serverBody} http_server { enabled on; listen 0; dir ${root}/www; }
       vhost __defaultVhost__ { ${vhostBody} }`,
    );
    used.children.push(runFfmpeg(publishArgs(server.url('live/s'), 60)));
    return server;
  }

  it('never serves a file outside hls_path for traversal, NUL or broken escapes, and keeps serving the stream', async () => {
    const hlsPath = `${root}/hls`;
    writeFileSync(`${root}/secret.m3u8`, 'SECRET\n');
    writeFileSync(`${root}/secret.ts`, 'SECRET\n');
    const server = await publishing(`hls { enabled on; hls_path ${hlsPath}; hls_fragment 1; hls_ctx off; }`);
    await waitFor('the playlist', () => existsSync(`${hlsPath}/live/s.m3u8`), 20_000);
    for (const target of [
      '/live/../../secret.m3u8',
      '/live/%2e%2e/%2e%2e/secret.m3u8',
      '/%2e%2e/secret.ts',
      '/live/..%2f..%2fsecret.ts',
      '/live/s%00.m3u8',
      '/live/s.m3u8%00.ts',
      '/live/%zz.m3u8',
      '/live/..%5c..%5csecret.m3u8',
    ]) {
      const reply = await rawExchange(server.httpPort, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      expect(statusLine(reply), target).toMatch(/^HTTP\/1\.1 (400|404) /);
      expect(reply, target).not.toContain('SECRET');
    }
    const playlist = await fetch(server.httpUrl('live/s.m3u8'));
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toContain('#EXTINF:');
    expect(server.app.hub.get('__defaultVhost__/live/s')?.isActive).toBe(true);
  }, 40_000);

  it('admits 1,000 viewers of one playlist up to max_connections, answers the rest 503, and forgets every one after the timeout', async () => {
    const hlsPath = `${root}/hls`;
    const server = await publishing(`hls { enabled on; hls_path ${hlsPath}; hls_fragment 1; }`, 'max_connections 600;');
    await waitFor('the playlist', () => existsSync(`${hlsPath}/live/s.m3u8`), 20_000);
    const statuses = await Promise.all(Array.from({ length: 1000 }, async () => (await fetch(server.httpUrl('live/s.m3u8'))).status));
    const admitted = statuses.filter((status) => status === 200).length;
    // The publisher holds one of the 600.
    expect(admitted).toBe(599);
    expect(statuses.filter((status) => status === 503)).toHaveLength(401);
    expect(server.app.registry.size).toBe(600);
    // Nobody comes back: all of them end at the timeout (10 s floor), and the registry is the publisher again.
    await waitFor('the viewers to time out', () => server.app.registry.size === 1, 20_000);
    expect((await fetch(server.httpUrl('live/s.m3u8'))).status).toBe(200);
  }, 60_000);

  it('drops a segment the disk has no room for (ENOSPC) under hls_on_error continue, and writes the next one', async () => {
    const hlsPath = `${root}/hls`;
    mkdirSync(`${hlsPath}/live`, { recursive: true });
    // The first segment's temp file is Linux's full device: every write to it fails with ENOSPC, as on a full disk.
    symlinkSync('/dev/full', `${hlsPath}/live/s-0.ts.tmp`);
    const server = await publishing(`hls { enabled on; hls_path ${hlsPath}; hls_fragment 1; hls_ctx off; hls_on_error continue; }`);
    await waitFor('the ENOSPC to be logged', () => server.logs.find((line) => line.level === 50 && String(line.err).startsWith('ENOSPC')), 20_000);
    await waitFor('a playlist after it', () => existsSync(`${hlsPath}/live/s.m3u8`), 20_000);
    expect(server.logs.some((line) => line.msg === 'hls recovered')).toBe(true);
    expect(server.app.hub.get('__defaultVhost__/live/s')?.isActive).toBe(true);
  }, 40_000);

  describe.each(['ignore', 'continue', 'disconnect'] as const)('hls_on_error %s when hls_path stops being writable', (onError) => {
    it('creates a missing hls_path, then degrades only HLS as configured while HTTP-FLV viewers of the stream play on', async () => {
      // Missing: created on the first segment, as SRS does.
      const hlsPath = `${root}/not/yet/there`;
      const server = await publishing(
        `hls { enabled on; hls_path ${hlsPath}; hls_fragment 1; hls_ctx off; hls_on_error ${onError}; }
         http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }`,
      );
      const liveDir = `${hlsPath}/live`;
      await waitFor('two segments', () => existsSync(liveDir) && readdirSync(liveDir).filter((name) => name.endsWith('.ts')).length >= 2, 20_000);
      const viewer = httpViewer(server.httpUrl('live/s.flv'));
      used.viewers.push(viewer);
      expect((await viewer.head).status).toBe(200);

      // The directory becomes a file: every write below it fails, even for root (a chmod would not stop root).
      rmSync(liveDir, { recursive: true, force: true });
      writeFileSync(liveDir, 'not a directory');
      await waitFor('the failure to be logged', () => server.logs.some((line) => line.level === 50 && line.msg.startsWith('hls: ')), 10_000);
      const failure = server.logs.find((line) => line.level === 50 && line.msg.startsWith('hls: '));
      expect(failure).toMatchObject({ code: 'ERR_HLS_WRITE', on_error: onError });

      if (onError === 'disconnect') {
        await waitFor('the publisher to be disconnected', () => server.app.hub.get('__defaultVhost__/live/s')?.isActive !== true, 10_000);
        expect(await viewer.done).toMatchObject({ complete: true });
        return;
      }
      // The publisher stays and its HTTP-FLV viewer keeps getting media.
      const before = viewer.body().length;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(viewer.body().length).toBeGreaterThan(before + 10_000);
      expect(server.app.hub.get('__defaultVhost__/live/s')?.isActive).toBe(true);

      // The disk comes back: `continue` writes again, `ignore` stays off for this publish.
      rmSync(liveDir);
      mkdirSync(liveDir);
      if (onError === 'continue') {
        await waitFor('segments again', () => readdirSync(liveDir).some((name) => name.endsWith('.ts')) && existsSync(`${liveDir}/s.m3u8`), 10_000);
        expect(server.logs.some((line) => line.msg === 'hls recovered')).toBe(true);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        expect(readdirSync(liveDir)).toEqual([]);
      }
      expect(server.logs.filter((line) => line.level === 50 && line.msg.startsWith('hls: '))).toHaveLength(1);
    }, 60_000);
  });
});
