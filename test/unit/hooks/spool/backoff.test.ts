import { describe, expect, it } from 'vitest';
import { spoolRetryDelayMs } from '../../../../src/hooks/spool/backoff.js';

describe('spool retry backoff', () => {
  it('doubles from the minimum up to the maximum, half of each delay random', () => {
    const low = (attempt: number) => spoolRetryDelayMs(attempt, 1000, 60_000, () => 0);
    const high = (attempt: number) => spoolRetryDelayMs(attempt, 1000, 60_000, () => 1);
    expect([1, 2, 3, 4, 7, 8, 50].map(high)).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
    expect([1, 2, 3].map(low)).toEqual([500, 1000, 2000]);
    expect(spoolRetryDelayMs(2, 100, 1000, () => 0.5)).toBe(150);
  });
});
