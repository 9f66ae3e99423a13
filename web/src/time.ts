// Every time shown in the app goes through here, in the viewer's time zone (me.time_zone).
// Instants come from the server as RFC 3339 strings in UTC.

export type Instant = string | number | Date

/** Intl locale used for a UI language: English dates as "5 Mar 2026", never the ambiguous 3/5/2026. */
export function intlLocale(lang: string): string {
  return lang.startsWith('zh') ? 'zh-CN' : 'en-GB'
}

function toDate(v: Instant): Date {
  return v instanceof Date ? v : new Date(v)
}

/** True when the runtime knows the IANA zone. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

function safeZone(tz: string | null | undefined): string {
  return tz && isValidTimeZone(tz) ? tz : 'UTC'
}

function fmt(v: Instant | null | undefined, tz: string, lang: string, opts: Intl.DateTimeFormatOptions): string {
  if (v === null || v === undefined || v === '') return ''
  const d = toDate(v)
  if (Number.isNaN(d.getTime())) return ''
  return new Intl.DateTimeFormat(intlLocale(lang), { ...opts, timeZone: safeZone(tz) }).format(d)
}

/** Date and time, e.g. "5 Mar 2026, 14:03" / "2026年3月5日 14:03". */
export function formatDateTime(v: Instant | null | undefined, tz: string, lang: string): string {
  return fmt(v, tz, lang, { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' })
}

/** Date only, in the given zone. */
export function formatDate(v: Instant | null | undefined, tz: string, lang: string): string {
  return fmt(v, tz, lang, { dateStyle: 'medium' })
}

/** Wall-clock time only, e.g. "14:03". */
export function formatTime(v: Instant | null | undefined, tz: string, lang: string, seconds = false): string {
  return fmt(v, tz, lang, {
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  })
}

/** Weekday, date and time with the zone's name — for clocks. */
export function formatClock(v: Instant, tz: string, lang: string): string {
  return fmt(v, tz, lang, { dateStyle: 'full', timeStyle: 'short', hourCycle: 'h23' })
}

/** Offset of the zone from UTC at that instant, in minutes (Asia/Shanghai → 480). */
export function tzOffsetMinutes(tz: string, at: Instant = new Date()): number {
  const d = toDate(at)
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: safeZone(tz),
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(d)
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0)
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'))
  const utc = Math.floor(d.getTime() / 1000) * 1000
  return Math.round((wall - utc) / 60000)
}

/** "UTC+08:00" */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+'
  const m = Math.abs(minutes)
  return `UTC${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
}

/** "Asia/Shanghai (UTC+08:00)" */
export function timeZoneLabel(tz: string, at: Instant = new Date()): string {
  return `${tz} (${formatOffset(tzOffsetMinutes(tz, at))})`
}

/**
 * The UTC instant at which a wall-clock time happens in a zone.
 * `ymd` is "YYYY-MM-DD"; used for date-range filters ("from the start of 5 March in my zone").
 */
export function zonedToInstant(ymd: string, tz: string, hour = 0, minute = 0, second = 0, ms = 0): Date {
  const [y, mo, d] = ymd.split('-').map(Number)
  const guess = Date.UTC(y, mo - 1, d, hour, minute, second, ms)
  // Two passes settle the offset also next to a daylight-saving change.
  let off = tzOffsetMinutes(tz, guess)
  let t = guess - off * 60000
  const off2 = tzOffsetMinutes(tz, t)
  if (off2 !== off) {
    off = off2
    t = guess - off * 60000
  }
  return new Date(t)
}

export function startOfDayInZone(ymd: string, tz: string): Date {
  return zonedToInstant(ymd, tz)
}

export function endOfDayInZone(ymd: string, tz: string): Date {
  return zonedToInstant(ymd, tz, 23, 59, 59, 999)
}

/** Hour of the day (0–23) in the zone, for greetings. */
export function hourInZone(tz: string, at: Instant = new Date()): number {
  const h = new Intl.DateTimeFormat('en-US', { timeZone: safeZone(tz), hour: 'numeric', hourCycle: 'h23' }).format(
    toDate(at),
  )
  return Number(h) % 24
}

/** The browser's own zone, falling back to UTC. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

let zonesCache: string[] | null = null

/** All IANA zones the runtime knows, UTC first. */
export function allTimeZones(): string[] {
  if (!zonesCache) {
    let list: string[] = []
    try {
      list = Intl.supportedValuesOf('timeZone')
    } catch {
      list = []
    }
    zonesCache = ['UTC', ...list.filter((z) => z !== 'UTC')]
  }
  return zonesCache
}

/** Today's calendar date in the zone, "YYYY-MM-DD". */
export function todayInZone(tz: string, at: Instant = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: safeZone(tz),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(toDate(at))
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

/** A calendar date "YYYY-MM-DD" plus some days (no zone involved). */
export function addDays(ymd: string, days: number): string {
  const [y, m, d] = ymd.split('-').map(Number)
  const t = new Date(Date.UTC(y, m - 1, d + days))
  return t.toISOString().slice(0, 10)
}

/** Whole days from `a` to `b` (both "YYYY-MM-DD"). */
export function daysBetween(a: string, b: string): number {
  const toUtc = (s: string) => {
    const [y, m, d] = s.split('-').map(Number)
    return Date.UTC(y, m - 1, d)
  }
  return Math.round((toUtc(b) - toUtc(a)) / 86_400_000)
}

/** A calendar date (due dates, birthdays): shown as it is, never shifted by a zone. */
export function formatYmd(ymd: string | null | undefined, lang: string, withWeekday = false): string {
  if (!ymd || !/^\d{4}-\d{2}-\d{2}/.test(ymd)) return ''
  const [y, m, d] = ymd.slice(0, 10).split('-').map(Number)
  return new Intl.DateTimeFormat(intlLocale(lang), {
    dateStyle: withWeekday ? undefined : 'medium',
    ...(withWeekday ? { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' } : {}),
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(y, m - 1, d)))
}

/** "3 days ago" / "3天前", "in 2 hours"; whole minutes, hours, days, months or years, whichever fits. */
export function formatRelative(v: Instant | null | undefined, lang: string, now: Instant = new Date()): string {
  if (v === null || v === undefined || v === '') return ''
  const d = toDate(v)
  if (Number.isNaN(d.getTime())) return ''
  const sec = Math.round((d.getTime() - toDate(now).getTime()) / 1000)
  const abs = Math.abs(sec)
  const rtf = new Intl.RelativeTimeFormat(intlLocale(lang), { numeric: 'auto' })
  if (abs < 60) return rtf.format(0, 'second')
  if (abs < 3600) return rtf.format(Math.round(sec / 60), 'minute')
  if (abs < 86_400) return rtf.format(Math.round(sec / 3600), 'hour')
  if (abs < 30 * 86_400) return rtf.format(Math.round(sec / 86_400), 'day')
  if (abs < 365 * 86_400) return rtf.format(Math.round(sec / (30 * 86_400)), 'month')
  return rtf.format(Math.round(sec / (365 * 86_400)), 'year')
}
