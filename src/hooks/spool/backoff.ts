/**
 * Delay before retrying a spooled notification: exponential from `minMs`,
 * doubling per attempt up to `maxMs`, with "equal jitter" (half fixed, half
 * random) so receivers coming back are not hit by every server at once.
 * Pure: `random` is injected.
 */
export function spoolRetryDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(maxMs, minMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
