import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../../../src/hooks/spool/spool.js';
import { encodeRecord } from '../../../../src/hooks/spool/record-codec.js';
import { HEADER_LINE, readSpoolDir, pendingOf, segmentName } from '../../../../src/hooks/spool/spool-files.js';
import type { Envelope } from '../../../../src/hooks/notification.js';
import { captureLogger } from '../helpers.js';

function envelope(seq: number, body = `{"action":"on_close","n":${seq}}`): Envelope {
  return {
    seq,
    id: `id-${seq}`,
    createdMs: Date.now(),
    n: { sink: 'webhook', event: 'connection_close', method: 'POST', url: 'http://127.0.0.1:9/x', body, timeoutMs: 1000, tlsVerify: true, judge: '2xx', chain: `webhook:c${seq % 3}`, secret: { kind: 'hooks' }, clientId: `c${seq % 3}` },
  };
}

describe('the spool on disk', () => {
  const dirs: string[] = [];
  const fresh = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'srs-spool-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps what was appended and not marked done across a close and an open, in seq order', async () => {
    const dir = fresh();
    const { logger } = captureLogger();
    const first = Spool.open({ dir, maxSizeBytes: 1 << 20, logger });
    expect(first.pending).toEqual([]);
    const results = [3, 1, 2].map((seq) => first.spool.append(envelope(seq)));
    expect(results.map((r) => r.kind)).toEqual(['spooled', 'spooled', 'spooled']);
    expect(await Promise.all(results.map((r) => (r.kind === 'spooled' ? r.durable : false)))).toEqual([true, true, true]);
    first.spool.markDone(1, 'delivered');
    expect(first.spool.stats()).toMatchObject({ available: true, pending: 2 });
    await first.spool.close();
    const second = Spool.open({ dir, maxSizeBytes: 1 << 20, logger });
    expect(second.pending.map((e) => e.seq)).toEqual([2, 3]);
    expect(second.pending[0]).toMatchObject({ seq: 2, id: 'id-2', n: { body: '{"action":"on_close","n":2}', chain: 'webhook:c2' } });
    expect(second.lastSeq).toBe(3);
    await second.spool.close();
  });

  it('sets a corrupt and a truncated record aside, still delivers the good ones, and does not complain twice', async () => {
    const dir = fresh();
    const good = [envelope(10), envelope(11), envelope(12)].map((e) => encodeRecord({ t: 'E', envelope: e }));
    const flipped = good[1]!.replace('on_close', 'on_clxse');
    writeFileSync(join(dir, segmentName(4)), HEADER_LINE + good[0] + flipped + good[2] + encodeRecord({ t: 'D', seq: 12, outcome: 'failed' }) + good[1]!.slice(0, 30));
    const { logger, lines } = captureLogger();
    const opened = Spool.open({ dir, maxSizeBytes: 1 << 20, logger });
    expect(opened.pending.map((e) => e.seq)).toEqual([10]);
    expect(opened.spool.stats().corrupt).toBe(2);
    const aside = readdirSync(join(dir, 'corrupt'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, 'corrupt', aside[0]!), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { reason: string }).reason)).toEqual(['crc', 'truncated']);
    expect(lines.some((l) => l.msg === 'spool records unreadable, set aside' && l['records'] === 2)).toBe(true);
    await opened.spool.close();
    const again = Spool.open({ dir, maxSizeBytes: 1 << 20, logger });
    expect(again.pending.map((e) => e.seq)).toEqual([10]);
    expect(again.spool.stats().corrupt).toBe(0);
    await again.spool.close();
  });

  it('is unavailable, not fatal, when the directory cannot be made (a path under a file)', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'file'), 'x');
    const { logger, lines } = captureLogger();
    const opened = Spool.open({ dir: join(dir, 'file', 'spool'), maxSizeBytes: 1 << 20, logger });
    expect(opened.spool.available).toBe(false);
    expect(opened.spool.append(envelope(1))).toEqual({ kind: 'rejected', reason: 'unavailable' });
    expect(lines.some((l) => l.msg.startsWith('spool unavailable') && l['code'] === 'ENOTDIR')).toBe(true);
    await opened.spool.close();
  });

  it('refuses the newest past spool_max_size and never holds more bytes than that on disk', async () => {
    const dir = fresh();
    const { logger } = captureLogger();
    const { spool } = Spool.open({ dir, maxSizeBytes: 16 * 1024, logger });
    let seq = 0;
    let spooled = 0;
    for (;;) {
      const result = spool.append(envelope(++seq, 'x'.repeat(200)));
      if (result.kind === 'rejected') {
        expect(result.reason).toBe('full');
        break;
      }
      spooled++;
      await result.durable;
    }
    expect(spooled).toBeGreaterThan(20);
    expect(spool.stats().bytes).toBeLessThanOrEqual(16 * 1024);
    await spool.close();
    expect(readSpoolDir(dir).bytes).toBeLessThanOrEqual(16 * 1024);
    expect(pendingOf(readSpoolDir(dir))).toHaveLength(spooled);
  });

  it('rotates and compacts: segments stay few, what is done is gone, what is pending survives', async () => {
    const dir = fresh();
    const { logger } = captureLogger();
    const { spool } = Spool.open({ dir, maxSizeBytes: 64 * 1024, logger });
    const kept: number[] = [];
    for (let seq = 1; seq <= 600; seq++) {
      const result = spool.append(envelope(seq));
      expect(result.kind).toBe('spooled');
      // Batches of 20, as a busy server makes them.
      if (result.kind === 'spooled' && seq % 20 === 0) await result.durable;
      if (seq % 50 === 0) kept.push(seq);
      else spool.markDone(seq, 'delivered');
    }
    await spool.close();
    const contents = readSpoolDir(dir);
    expect(contents.segments.length).toBeLessThanOrEqual(3);
    expect(contents.bytes).toBeLessThan(32 * 1024);
    expect(pendingOf(contents).map((e) => e.seq)).toEqual(kept);
  });
});
