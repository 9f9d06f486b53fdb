/**
 * Parses a duration such as `30s`, `500ms`, `2m`, `1h` (the guide's
 * `--hook-timeout 45s`). A bare number is seconds. Returns undefined when
 * the text is not a duration, so callers can name the file, line or flag.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  const ms = Math.round(value * factor);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
