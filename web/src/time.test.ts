import { describe, expect, it } from 'vitest'
import {
  allTimeZones,
  endOfDayInZone,
  formatDateTime,
  formatOffset,
  formatTime,
  hourInZone,
  startOfDayInZone,
  timeZoneLabel,
  tzOffsetMinutes,
} from './time'

const instant = '2026-03-05T06:03:00Z'

describe('time formatting in the viewer zone', () => {
  it('shows the same instant in different zones', () => {
    expect(formatTime(instant, 'Asia/Shanghai', 'en')).toBe('14:03')
    expect(formatTime(instant, 'Europe/Berlin', 'en')).toBe('07:03')
    expect(formatTime(instant, 'America/Los_Angeles', 'en')).toBe('22:03')
  })

  it('crosses the date line with the zone', () => {
    expect(formatDateTime(instant, 'Asia/Shanghai', 'en')).toBe('5 Mar 2026, 14:03')
    expect(formatDateTime(instant, 'America/Los_Angeles', 'en')).toBe('4 Mar 2026, 22:03')
    expect(formatDateTime(instant, 'Asia/Shanghai', 'zh-CN')).toBe('2026年3月5日 14:03')
  })

  it('falls back to UTC for an unknown zone and to empty for no value', () => {
    expect(formatTime(instant, 'Mars/Olympus', 'en')).toBe('06:03')
    expect(formatDateTime(null, 'UTC', 'en')).toBe('')
    expect(formatDateTime('not a date', 'UTC', 'en')).toBe('')
  })

  it('computes offsets, including daylight saving', () => {
    expect(tzOffsetMinutes('Asia/Shanghai', instant)).toBe(480)
    expect(tzOffsetMinutes('Europe/Berlin', '2026-01-15T12:00:00Z')).toBe(60)
    expect(tzOffsetMinutes('Europe/Berlin', '2026-07-15T12:00:00Z')).toBe(120)
    expect(tzOffsetMinutes('Asia/Kolkata', instant)).toBe(330)
    expect(formatOffset(-210)).toBe('UTC-03:30')
    expect(timeZoneLabel('Asia/Shanghai', instant)).toBe('Asia/Shanghai (UTC+08:00)')
  })

  it('turns a calendar day in a zone into UTC instants', () => {
    expect(startOfDayInZone('2026-03-05', 'Asia/Shanghai').toISOString()).toBe('2026-03-04T16:00:00.000Z')
    expect(endOfDayInZone('2026-03-05', 'Asia/Shanghai').toISOString()).toBe('2026-03-05T15:59:59.999Z')
    // The day daylight saving starts in Berlin (29 March 2026): midnight is still UTC+1.
    expect(startOfDayInZone('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z')
    expect(endOfDayInZone('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-29T21:59:59.999Z')
  })

  it('knows the hour in a zone and lists zones with UTC first', () => {
    expect(hourInZone('Asia/Shanghai', instant)).toBe(14)
    const zones = allTimeZones()
    expect(zones[0]).toBe('UTC')
    expect(zones).toContain('Asia/Shanghai')
    expect(zones).toContain('Europe/Berlin')
  })
})

import { addDays, daysBetween, formatYmd, todayInZone } from './time'

describe('calendar dates', () => {
  it('today differs by zone at the same instant', () => {
    const at = new Date('2026-03-05T20:00:00Z')
    expect(todayInZone('Asia/Shanghai', at)).toBe('2026-03-06')
    expect(todayInZone('America/Los_Angeles', at)).toBe('2026-03-05')
  })
  it('adds days and counts them across month ends', () => {
    expect(addDays('2026-02-27', 3)).toBe('2026-03-02')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(daysBetween('2026-02-27', '2026-03-02')).toBe(3)
    expect(daysBetween('2026-03-02', '2026-02-27')).toBe(-3)
  })
  it('shows a due date as it is, in either language', () => {
    expect(formatYmd('2026-03-05', 'en')).toBe('5 Mar 2026')
    expect(formatYmd('2026-03-05', 'zh-CN')).toBe('2026年3月5日')
    expect(formatYmd(null, 'en')).toBe('')
  })
})

import { formatRelative } from './time'

describe('relative times', () => {
  const now = new Date('2026-03-10T12:00:00Z')
  it('picks the unit that fits', () => {
    expect(formatRelative('2026-03-07T12:00:00Z', 'en', now)).toBe('3 days ago')
    expect(formatRelative('2026-03-10T09:00:00Z', 'en', now)).toBe('3 hours ago')
    expect(formatRelative('2026-03-09T12:00:00Z', 'zh-CN', now)).toBe('昨天')
    expect(formatRelative('2025-12-10T12:00:00Z', 'en', now)).toBe('3 months ago')
    expect(formatRelative(null, 'en', now)).toBe('')
  })
})
