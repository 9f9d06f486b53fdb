import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BufferedLogFile } from '../../src/log-file.js';

describe('the batching srs_log_file destination', () => {
  let dir: string;
  let file: string;
  let fd: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srs-log-file-'));
    file = join(dir, 'srs.log');
    fd = openSync(file, 'a');
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  const text = (): string => readFileSync(file, 'utf8');

  it('holds lines until the batch fills, then writes them in one go, in order', () => {
    const log = new BufferedLogFile(fd, { batchChars: 20, maxDelayMs: 1_000 });
    log.write('line one\n');
    expect(text()).toBe('');
    log.write('line two\n');
    log.write('line three\n');
    expect(text()).toBe('line one\nline two\nline three\n');
  });

  it('writes a batch that does not fill after maxDelayMs', () => {
    const log = new BufferedLogFile(fd, { batchChars: 16_384, maxDelayMs: 100 });
    log.write('quiet server\n');
    vi.advanceTimersByTime(99);
    expect(text()).toBe('');
    vi.advanceTimersByTime(1);
    expect(text()).toBe('quiet server\n');
  });

  it('flush writes what it holds synchronously (safe in an exit handler) and then calls back', () => {
    const log = new BufferedLogFile(fd, { batchChars: 16_384, maxDelayMs: 100 });
    log.write('{"msg":"shutting down"}\n');
    const done = vi.fn();
    log.flush(done);
    expect(text()).toBe('{"msg":"shutting down"}\n');
    expect(done).toHaveBeenCalledWith();
    log.flush(done);
    expect(done).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps multi-byte text intact across a batch', () => {
    const log = new BufferedLogFile(fd, { batchChars: 4, maxDelayMs: 100 });
    log.write('flux vidéo 直播\n');
    expect(text()).toBe('flux vidéo 直播\n');
  });

  it('reports a failed write and drops the batch instead of throwing', () => {
    const closedFd = openSync(file, 'r');
    closeSync(closedFd);
    const log = new BufferedLogFile(closedFd, { batchChars: 16_384, maxDelayMs: 100 });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    log.write('lost\n');
    const done = vi.fn();
    expect(() => log.flush(done)).not.toThrow();
    expect(done.mock.calls[0]?.[0]).toBeInstanceOf(Error);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('cannot write srs_log_file');
    stderr.mockRestore();
  });
});
