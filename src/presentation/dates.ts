/** The one date format of every card: "14 Aug 2023" (UTC unless a timezone is given, so a date-only publication date never shifts a day). */

const formats = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withTime}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone,
      ...(withTime ? { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' } : {}),
    });
    formats.set(key, format);
  }
  return format;
}

function parse(value: string | Date | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** "14 Aug 2023", or undefined for a missing or invalid date. */
export function formatDate(value: string | Date | undefined, timeZone = 'UTC'): string | undefined {
  const date = parse(value);
  return date ? formatter(timeZone, false).format(date) : undefined;
}

/** "14 Aug 2023, 08:00 UTC". */
export function formatDateTime(value: string | Date | undefined, timeZone = 'UTC'): string | undefined {
  const date = parse(value);
  return date ? formatter(timeZone, true).format(date) : undefined;
}

/**
 * A moment as Discord timestamp markup (`<t:unix:F>`, shown in each reader's own zone; `R` = "in 5 hours").
 * The terminal renderer prints it as UTC text.
 */
export function timestampTag(value: Date, style: 'F' | 'R' | 'f' | 'D' | 'T'): string {
  return `<t:${Math.floor(value.getTime() / 1000)}:${style}>`;
}
