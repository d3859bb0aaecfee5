// The dashboard's period: a preset (today, the last 7 days…) or a custom range of calendar
// days, in a time zone (the user's by default). The reports take local dates: `from` is
// that day's midnight in the zone and `to` counts whole, so no instant is computed here.

export const PRESETS = ['today', 'yesterday', 'last_7_days', 'last_30_days', 'this_month', 'last_month', 'custom'] as const
export type Preset = (typeof PRESETS)[number]
export const DEFAULT_PRESET: Preset = 'last_30_days'

/** A calendar day, YYYY-MM-DD. */
export type Day = string

export interface Period {
  preset: Preset
  /** The picked days when `preset` is custom: [first, last], both included. */
  custom: [Day, Day] | null
  tz: string
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

export function isDay(text: unknown): text is Day {
  if (typeof text !== 'string' || !DAY.test(text)) return false
  const moment = Date.parse(`${text}T00:00:00Z`)
  return !Number.isNaN(moment) && new Date(moment).toISOString().slice(0, 10) === text // no 02-30
}

/** The browser's time zone (the user's), UTC if it cannot tell. */
export function userTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

export function isTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || name === '') return false
  try {
    new Intl.DateTimeFormat('en', { timeZone: name })
    return true
  } catch {
    return false
  }
}

/** Every IANA zone the browser knows, UTC and `extra` (the user's own) first. */
export function timeZones(extra: string[] = []): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  return [...new Set(['UTC', ...extra, ...known])]
}

/** The calendar day `now` falls on in `tz`. */
export function dayIn(tz: string, now: Date): Day {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now)
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}-${part('day')}`
}

export function addDays(day: Day, days: number): Day {
  const moment = new Date(`${day}T00:00:00Z`)
  moment.setUTCDate(moment.getUTCDate() + days)
  return moment.toISOString().slice(0, 10)
}

/** The days [first, last] a period covers, as of `now`. */
export function periodDays(period: Period, now: Date): [Day, Day] {
  const today = dayIn(period.tz, now)
  const monthStart = `${today.slice(0, 7)}-01`
  switch (period.preset) {
    case 'today':
      return [today, today]
    case 'yesterday':
      return [addDays(today, -1), addDays(today, -1)]
    case 'last_7_days':
      return [addDays(today, -6), today]
    case 'last_30_days':
      return [addDays(today, -29), today]
    case 'this_month':
      return [monthStart, today]
    case 'last_month': {
      const last = addDays(monthStart, -1)
      return [`${last.slice(0, 7)}-01`, last]
    }
    case 'custom':
      return period.custom ?? [addDays(today, -29), today]
  }
}

/** How many days [first, last] spans, both included. */
export function spanDays([first, last]: [Day, Day]): number {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000) + 1
}

export const LONGEST_PERIOD_DAYS = 400

/** A period from the page's address (?preset=…&from=…&to=…&tz=…), anything invalid
 * replaced by the default. */
export function periodFromQuery(query: Record<string, unknown>, fallbackTz: string): Period {
  const tz = isTimeZone(query.tz) ? query.tz : fallbackTz
  const { from, to } = query
  if (isDay(from) && isDay(to) && from <= to && spanDays([from, to]) <= LONGEST_PERIOD_DAYS) {
    return { preset: 'custom', custom: [from, to], tz }
  }
  const preset = PRESETS.includes(query.preset as Preset) && query.preset !== 'custom' ? (query.preset as Preset) : DEFAULT_PRESET
  return { preset, custom: null, tz }
}

/** The address of a period: custom ranges by their days, presets by name. */
export function periodToQuery(period: Period): Record<string, string> {
  if (period.preset === 'custom' && period.custom) return { from: period.custom[0], to: period.custom[1], tz: period.tz }
  return { preset: period.preset, tz: period.tz }
}
