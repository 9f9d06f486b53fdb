import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { publishArgs, runFfmpeg, TestResources, waitFor, type TestServer } from './harness.js';

/** Screenshots of each playing page, kept for a human to look at (git-ignored). */
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** What the canvas saw of the video's current frame: how much of it is not black, and how many distinct colours. */
interface FrameLook {
  width: number;
  height: number;
  litShare: number;
  colours: number;
}

/** Draws the current frame on a canvas and looks at its pixels (MSE media is same-origin: the canvas is readable). */
function lookAtFrame(page: Page): Promise<FrameLook> {
  return page.evaluate(() => {
    const video = document.getElementById('video') as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 120;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let lit = 0;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (r + g + b > 60) lit++;
      // Coarse buckets: compression noise must not count as colours.
      colours.add(((r >> 5) << 6) | ((g >> 5) << 3) | (b >> 5));
    }
    return { width: video.videoWidth, height: video.videoHeight, litShare: lit / (data.length / 4), colours: colours.size };
  });
}

describe('the player page plays HLS (hls.js) and HTTP-FLV (mpegts.js) in a real headless Chromium', () => {
  const used = new TestResources();
  let browser: Browser;
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'srs-players-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await used.startServer(
      `listen 0; http_server { enabled on; listen 0; dir ${dir}; }
       vhost __defaultVhost__ { hls { enabled on; hls_path ${dir}; hls_fragment 1; hls_window 6; }
         http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }`,
    );
    // testsrc: colour bars and a moving counter, so a decoded frame is anything but blank.
    used.children.push(runFfmpeg(publishArgs(server.url('live/s'), 120)));
    await waitFor('three segments', () => existsSync(path.join(dir, 'live/s-2.ts')), 30_000);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await used.release();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [label, streamPath, player] of [
    ['HLS', '/live/s.m3u8', 'hls.js'],
    ['HTTP-FLV', '/live/s.flv', 'mpegts.js'],
  ] as const) {
    it(`plays ${label} past 3 s with ${player} and shows a decoded, non-blank frame`, async () => {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(server.httpUrl(`players/?url=${encodeURIComponent(streamPath)}`));
      await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 3, undefined, { timeout: 40_000 });
      const look = await lookAtFrame(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `player-${label.toLowerCase()}.png`) });
      expect(look).toMatchObject({ width: 320, height: 240 });
      expect(look.litShare).toBeGreaterThan(0.5);
      expect(look.colours).toBeGreaterThan(8);
      // Every script came from our server: the players are served from their npm packages, never a CDN.
      const origin = new URL(server.httpUrl('')).origin;
      expect(requested.filter((url) => url.startsWith('http') && !url.startsWith(origin))).toEqual([]);
      expect(requested).toContain(`${origin}/players/${player}`);
      if (label === 'HLS') {
        // The browser is an HLS viewer of the lifecycle: a session with its ctx, fetching segments of it.
        expect(server.app.registry.list().some((client) => client.type === 'hls-play')).toBe(true);
        expect(requested.some((url) => /\/live\/s-\d+\.ts\?hls_ctx=[0-9a-z]+$/.test(url))).toBe(true);
      }
      expect(pageErrors).toEqual([]);
      await page.close();
    }, 60_000);
  }

  it('shows what it cannot play as text and plays nothing', async () => {
    const page = await browser.newPage();
    await page.goto(server.httpUrl(`players/?url=${encodeURIComponent('javascript:alert(1)')}`));
    await expect(page.locator('#status').textContent()).resolves.toBe('only http(s) URLs play here: javascript:alert(1)');
    expect(await page.evaluate(() => (document.getElementById('video') as HTMLVideoElement).currentSrc)).toBe('');
    const head = await fetch(server.httpUrl('players/'));
    expect(head.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(server.httpUrl('players/hls.js'))).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(server.httpUrl('players/nope.js'))).status).toBe(404);
    await page.close();
  });
});
