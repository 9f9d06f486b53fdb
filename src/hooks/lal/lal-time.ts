/**
 * lal's time text: Go's `time.Now().Format("2006-01-02 15:04:05.999 Z0700 MST")`
 * in local time (lal:pkg/base/base.go:26-31, lal-lssn-spec A5). `.999`
 * drops trailing zeros and the dot itself when the milliseconds are 0, so
 * the text can end `…:00.1 +0800 CST` or `…:00 +0800 CST`.
 */

/** The zone's short name (`UTC`, `CET`, `GMT+8`), from the platform; read-only, built once. */
const ZONE_NAME = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });

/** `2024-10-23 09:59:00.123 +0800 CST` for `ms` since the epoch, in the process's time zone. */
export function formatLalTime(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const offsetMin = -date.getTimezoneOffset();
  const sign = offsetMin < 0 ? '-' : '+';
  const absMin = Math.abs(offsetMin);
  const zoneNumeric = `${sign}${pad(Math.floor(absMin / 60))}${pad(absMin % 60)}`;
  const millis = date.getMilliseconds();
  const fraction = millis === 0 ? '' : `.${pad(millis, 3).replace(/0+$/, '')}`;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${day} ${time}${fraction} ${zoneNumeric} ${zoneAbbreviation(date, offsetMin, sign, absMin)}`;
}

/**
 * Go prints the tzdata abbreviation; where tzdata has none it holds the
 * numeric form (`+08`, `+0530`), which is what a platform `GMT+8` stands for.
 */
function zoneAbbreviation(date: Date, offsetMin: number, sign: string, absMin: number): string {
  const name = ZONE_NAME.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? '';
  if (name !== '' && !name.startsWith('GMT')) return name;
  if (offsetMin === 0) return 'UTC';
  const hours = String(Math.floor(absMin / 60)).padStart(2, '0');
  return absMin % 60 === 0 ? `${sign}${hours}` : `${sign}${hours}${String(absMin % 60).padStart(2, '0')}`;
}
