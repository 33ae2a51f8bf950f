import { z } from 'zod';

export const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Day = (typeof days)[number];

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** "09:00-17:30"; "00:00-24:00" is the whole day. */
const rangePattern = /^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const range = z
  .string()
  .regex(rangePattern, 'a range is HH:MM-HH:MM')
  .refine((value) => !rangePattern.test(value) || minutesOf(value.slice(0, 5)) < minutesOf(value.slice(6)), 'a range ends after it starts');

export const defaultMessage =
  'Hello {{contact.name}},\n\nthank you for your message. Our team is away right now; we are back {{nextOpening}}.\n' +
  'Your case number is {{caseNumber}}.';

export const settingsSchema = z.object({
  /** The IANA time zone the hours and holidays are in, e.g. Europe/Berlin. */
  timeZone: z.string().refine(isTimeZone, 'not an IANA time zone'),
  /** Opening hours per weekday; a day left out is closed all day. */
  week: z.partialRecord(z.enum(days), z.array(range)).default({
    mon: ['09:00-17:00'],
    tue: ['09:00-17:00'],
    wed: ['09:00-17:00'],
    thu: ['09:00-17:00'],
    fri: ['09:00-17:00'],
  }),
  /** Days closed all day: YYYY-MM-DD once, or MM-DD every year. */
  holidays: z.array(z.string().regex(/^(\d{4}-)?\d{2}-\d{2}$/, 'a holiday is YYYY-MM-DD or MM-DD')).default([]),
  /** The inboxes it answers for: IDs as the API gives them, or names. Empty: every inbox. */
  inboxes: z.array(z.string().min(1)).default([]),
  /** The reply; {{contact.name}}, {{caseNumber}}, {{inbox.name}}, {{subject}} and {{nextOpening}} are filled in. */
  message: z.string().trim().min(1).max(10_000).default(defaultMessage),
  /** The language {{nextOpening}} is written in. */
  locale: z.string().default('en-GB'),
});

export type Settings = z.output<typeof settingsSchema>;
type Hours = Pick<Settings, 'timeZone' | 'week' | 'holidays'>;

const parts = (date: Date, timeZone: string) => {
  const values = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return { year: +values.year!, month: +values.month!, day: +values.day!, hour: +values.hour!, minute: +values.minute!, second: +values.second! };
};

/** The wall-clock date and time in the zone. */
export function localTime(date: Date, timeZone: string) {
  const p = parts(date, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const weekday = days[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()]!;
  return { date: `${p.year}-${pad(p.month)}-${pad(p.day)}`, monthDay: `${pad(p.month)}-${pad(p.day)}`, weekday, minutes: p.hour * 60 + p.minute, ...p };
}

/** The instant a wall-clock time of a zone happens (a time skipped by a DST change resolves to just after it). */
export function zonedTime(year: number, month: number, day: number, minutes: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const offsetAt = (instant: number) => {
    const p = parts(new Date(instant), timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - instant;
  };
  const first = wall - offsetAt(wall);
  const second = wall - offsetAt(first);
  return new Date(offsetAt(second) === offsetAt(first) ? second : Math.max(first, second));
}

const isHoliday = (hours: Hours, local: { date: string; monthDay: string }) =>
  hours.holidays.includes(local.date) || hours.holidays.includes(local.monthDay);

const rangesOf = (hours: Hours, day: Day) =>
  (hours.week[day] ?? []).map((r) => ({ start: minutesOf(r.slice(0, 5)), end: minutesOf(r.slice(6)) })).sort((a, b) => a.start - b.start);

/** Whether the team works at that instant. */
export function isOpenAt(date: Date, hours: Hours): boolean {
  const local = localTime(date, hours.timeZone);
  if (isHoliday(hours, local)) return false;
  return rangesOf(hours, local.weekday).some((r) => local.minutes >= r.start && local.minutes < r.end);
}

/** The next instant after `date` at which the team starts work, within a year; null when it never does. */
export function nextOpening(date: Date, hours: Hours): Date | null {
  const today = localTime(date, hours.timeZone);
  for (let offset = 0; offset <= 366; offset++) {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const local = localTime(zonedTime(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), 12 * 60, hours.timeZone), hours.timeZone);
    if (isHoliday(hours, local)) continue;
    for (const r of rangesOf(hours, local.weekday)) {
      const start = zonedTime(local.year, local.month, local.day, r.start, hours.timeZone);
      if (start > date) return start;
    }
  }
  return null;
}

/** Replaces {{name}} placeholders; unknown ones stay as written. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** `{{nextOpening}}`: "Monday 30 November at 09:00 CET" in the settings' locale, or "soon" when no opening is in sight. */
export function describeOpening(date: Date | null, settings: Pick<Settings, 'timeZone' | 'locale'>): string {
  if (!date) return 'soon';
  return new Intl.DateTimeFormat(settings.locale, {
    timeZone: settings.timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}
