import { afterEach, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { RtmpClient } from '../../src/relay/rtmp-client.js';
import { publishArgs, runFfmpeg, TestResources, waitFor } from './harness.js';


describe('web console in a real headless Chromium', () => {
  const used = new TestResources();
  let browser: Browser | undefined;
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await used.release();
  });

  it('lists a live ffmpeg publisher, plays it over HTTP-FLV, shows names as text, and a click on Kick ends it with on_unpublish', async () => {
    const hooks = await used.startHooks();
    const server = await used.startServer(
      `listen 0; http_api { enabled on; listen 0; } http_server { enabled on; listen 0; }
       vhost __defaultVhost__ { play { mw_latency 100; } http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
         http_hooks { enabled on; on_unpublish ${hooks.url('/unpublish')}; } }`,
    );
    const publisher = runFfmpeg(publishArgs(server.url('live/livestream'), 60));
    used.children.push(publisher);
    await waitFor('the stream to be live', () => server.app.hub.get('__defaultVhost__/live/livestream')?.isActive);
    // A stream name that is HTML: the page must show it as text.
    const marked = await RtmpClient.connect(server.url('live/<b>x<i>y'));
    used.clients.push(marked);
    await marked.publish();
    const listed = (await (await fetch(server.apiUrl('api/v1/streams/'))).json()) as { streams: { name: string; publish: { cid?: string } }[] };
    const cid = listed.streams.find((s) => s.name === 'livestream')?.publish.cid;
    expect(cid).toMatch(/^[0-9a-z]{8}$/);

    browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.apiUrl('console/'));
    const row = page.locator(`#clients tr[data-client="${cid}"]`);
    await row.waitFor({ timeout: 10_000 });
    await expect(row.locator('td').nth(2).textContent()).resolves.toBe('fmle-publish');
    // The stream table names both streams; the HTML one as its literal text, no element made from it.
    await page.locator('#streams td', { hasText: '<b>x<i>y' }).waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => document.querySelectorAll('#streams b, #streams i, #clients b, #clients i').length)).toBe(0);

    // The play link of the live stream opens the player page, which plays it with mpegts.js.
    const link = page.locator('#streams tr', { hasText: 'livestream' }).locator('a', { hasText: 'HTTP-FLV' });
    const href = await link.getAttribute('href');
    expect(decodeURIComponent(href ?? '')).toContain(`:${server.httpPort}/live/livestream.flv`);
    const player = await browser.newPage();
    await player.goto(new URL(href!, server.apiUrl('console/')).href);
    // Debian's chromium decodes H.264, so the video element's clock runs; mpegts.js's statistics show the bytes it read.
    await player.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 1.5, undefined, { timeout: 20_000 });
    const decoded = await player.evaluate(() => (document.getElementById('video') as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames);
    expect(decoded).toBeGreaterThan(10);
    await player.close();

    await row.locator('button.kick').click();
    expect(await publisher.exited).not.toBeNull();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    const unpublished = await waitFor('on_unpublish', () => hooks.calls.find((call) => call.path === '/unpublish' && call.json['stream'] === 'livestream'));
    expect(unpublished.json).toMatchObject({ action: 'on_unpublish', client_id: cid });
    expect(server.logs.some((line) => line.msg === 'session end' && line['reason'] === 'kicked')).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('is behind http_api auth when it is on; /console redirects to /console/', async () => {
    const server = await used.startServer('listen 0; http_api { enabled on; listen 0; auth { enabled on; username admin; password "s3:cret"; } } vhost __defaultVhost__ { }');
    expect((await fetch(server.apiUrl('console/'))).status).toBe(401);
    const authorization = `Basic ${Buffer.from('admin:s3:cret').toString('base64')}`;
    const page = await fetch(server.apiUrl('console/'), { headers: { authorization } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script src="console.js"></script>');
    const redirect = await fetch(server.apiUrl('console'), { headers: { authorization }, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/console/');
    expect((await fetch(server.apiUrl('console/nope.js'), { headers: { authorization } })).status).toBe(404);
  });
});
