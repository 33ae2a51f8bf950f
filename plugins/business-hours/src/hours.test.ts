import { describe, expect, it } from 'vitest';
import { describeOpening, fill, isOpenAt, localTime, nextOpening, settingsSchema, zonedTime } from './hours.js';

const berlin = settingsSchema.parse({ timeZone: 'Europe/Berlin', holidays: ['12-25', '2026-11-27'] });
const at = (iso: string) => new Date(iso);

describe('opening hours', () => {
  it('are read in the configured time zone', () => {
    // Monday 2026-11-23, 08:30 UTC is 09:30 in Berlin (CET) and 08:30 in London.
    expect(isOpenAt(at('2026-11-23T08:30:00Z'), berlin)).toBe(true);
    expect(isOpenAt(at('2026-11-23T08:30:00Z'), { ...berlin, timeZone: 'Europe/London' })).toBe(false);
    expect(isOpenAt(at('2026-11-23T07:59:00Z'), berlin)).toBe(false);
    expect(isOpenAt(at('2026-11-23T15:59:00Z'), berlin)).toBe(true);
    expect(isOpenAt(at('2026-11-23T16:00:00Z'), berlin)).toBe(false);
    // Saturday is not in the default week.
    expect(isOpenAt(at('2026-11-28T10:00:00Z'), berlin)).toBe(false);
  });

  it('follow daylight saving time', () => {
    // Berlin is UTC+2 in summer: 07:30 UTC on a July Monday is 09:30 there.
    expect(isOpenAt(at('2026-07-06T07:30:00Z'), berlin)).toBe(true);
    expect(localTime(at('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toMatchObject({ date: '2026-03-29', minutes: 3 * 60 + 30 });
    // 02:30 does not exist on the night the clocks go forward; it resolves to just after the gap.
    expect(zonedTime(2026, 3, 29, 150, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(zonedTime(2026, 10, 25, 9 * 60, 'Europe/Berlin').toISOString()).toBe('2026-10-25T08:00:00.000Z');
  });

  it('are closed on holidays, once or every year', () => {
    expect(isOpenAt(at('2026-11-27T10:00:00Z'), berlin)).toBe(false);
    expect(isOpenAt(at('2027-12-24T10:00:00Z'), berlin)).toBe(true);
    expect(isOpenAt(at('2028-12-25T10:00:00Z'), berlin)).toBe(false);
  });

  it('know when they open next, skipping weekends and holidays', () => {
    // Thursday evening: Friday is a holiday, so Monday 09:00 Berlin time.
    expect(nextOpening(at('2026-11-26T18:00:00Z'), berlin)?.toISOString()).toBe('2026-11-30T08:00:00.000Z');
    // Early on a Monday: the same morning.
    expect(nextOpening(at('2026-11-23T05:00:00Z'), berlin)?.toISOString()).toBe('2026-11-23T08:00:00.000Z');
    // Split days: the afternoon range.
    const split = settingsSchema.parse({ timeZone: 'America/New_York', week: { mon: ['09:00-12:00', '13:00-17:00'] } });
    expect(nextOpening(at('2026-11-23T17:30:00Z'), split)?.toISOString()).toBe('2026-11-23T18:00:00.000Z');
    expect(nextOpening(at('2026-11-23T17:30:00Z'), settingsSchema.parse({ timeZone: 'UTC', week: {} }))).toBeNull();
    expect(describeOpening(at('2026-11-30T08:00:00Z'), berlin)).toBe('Monday 30 November at 09:00 CET');
    expect(describeOpening(null, berlin)).toBe('soon');
  });

  it('refuse settings that make no sense', () => {
    const issues = (value: unknown) => settingsSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ timeZone: 'Mars/Olympus' })).toEqual(['timeZone: not an IANA time zone']);
    expect(issues({ timeZone: 'UTC', week: { mon: ['17:00-09:00'] } })).toEqual(['week.mon.0: a range ends after it starts']);
    expect(issues({ timeZone: 'UTC', week: { mon: ['9-5'] } })).toEqual(['week.mon.0: a range is HH:MM-HH:MM']);
    expect(issues({ timeZone: 'UTC', holidays: ['Christmas'] })).toEqual(['holidays.0: a holiday is YYYY-MM-DD or MM-DD']);
  });

  it('fill placeholders, leaving unknown ones as written', () => {
    expect(fill('Hi {{contact.name}}, case {{ caseNumber }} {{unknown}}', { 'contact.name': 'Kim', caseNumber: 'SUP-1' })).toBe('Hi Kim, case SUP-1 {{unknown}}');
  });
});
