import { describe, expect, it } from 'vitest'

import {
  addDays,
  dayIn,
  isTimeZone,
  periodDays,
  periodFromQuery,
  periodToQuery,
  spanDays,
  timeZones,
  type Period,
} from '../src/composables/useStatsPeriod'

// 2026-03-01 17:30 UTC: already March 2nd in Shanghai, still March 1st in New York.
const NOW = new Date('2026-03-01T17:30:00Z')
const period = (preset: Period['preset'], tz = 'UTC', custom: Period['custom'] = null): Period => ({ preset, custom, tz })

describe('the dashboard period', () => {
  it('takes today in its own time zone', () => {
    expect(dayIn('UTC', NOW)).toBe('2026-03-01')
    expect(dayIn('Asia/Shanghai', NOW)).toBe('2026-03-02')
    expect(dayIn('America/New_York', NOW)).toBe('2026-03-01')
    expect(dayIn('Asia/Kolkata', new Date('2026-03-01T18:29:00Z'))).toBe('2026-03-01')
    expect(dayIn('Asia/Kolkata', new Date('2026-03-01T18:30:00Z'))).toBe('2026-03-02')
  })

  it('turns presets into calendar days, both included', () => {
    expect(periodDays(period('today'), NOW)).toEqual(['2026-03-01', '2026-03-01'])
    expect(periodDays(period('today', 'Asia/Shanghai'), NOW)).toEqual(['2026-03-02', '2026-03-02'])
    expect(periodDays(period('yesterday'), NOW)).toEqual(['2026-02-28', '2026-02-28'])
    expect(periodDays(period('last_7_days'), NOW)).toEqual(['2026-02-23', '2026-03-01'])
    expect(periodDays(period('last_30_days'), NOW)).toEqual(['2026-01-31', '2026-03-01'])
    expect(periodDays(period('this_month', 'Asia/Shanghai'), NOW)).toEqual(['2026-03-01', '2026-03-02'])
    expect(periodDays(period('last_month'), NOW)).toEqual(['2026-02-01', '2026-02-28'])
    expect(periodDays(period('last_month'), new Date('2026-01-15T00:00:00Z'))).toEqual(['2025-12-01', '2025-12-31'])
    expect(periodDays(period('custom', 'UTC', ['2025-06-01', '2025-06-30']), NOW)).toEqual(['2025-06-01', '2025-06-30'])
  })

  it('counts days across months, years and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31')
    expect(spanDays(['2026-03-01', '2026-03-01'])).toBe(1)
    expect(spanDays(['2025-01-01', '2025-12-31'])).toBe(365)
    // a daylight-saving change in between makes no difference to calendar days
    expect(spanDays(['2026-03-07', '2026-03-09'])).toBe(3)
  })

  it('round-trips through the page address', () => {
    const custom = period('custom', 'Asia/Shanghai', ['2026-02-01', '2026-02-07'])
    expect(periodFromQuery(periodToQuery(custom), 'UTC')).toEqual(custom)
    const preset = period('last_7_days', 'Europe/Berlin')
    expect(periodFromQuery(periodToQuery(preset), 'UTC')).toEqual(preset)
  })

  it('replaces what the address gets wrong with the defaults', () => {
    expect(periodFromQuery({ tz: 'Mars/Olympus', preset: 'forever' }, 'Asia/Shanghai')).toEqual(period('last_30_days', 'Asia/Shanghai'))
    expect(periodFromQuery({ from: '2026-03-05', to: '2026-03-01' }, 'UTC').preset).toBe('last_30_days')
    expect(periodFromQuery({ from: '2024-01-01', to: '2026-01-01' }, 'UTC').preset).toBe('last_30_days') // over 400 days
    expect(periodFromQuery({ from: '2026-02-30', to: '2026-03-01' }, 'UTC').preset).toBe('last_30_days')
  })

  it('knows time zones', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true)
    expect(isTimeZone('UTC')).toBe(true)
    expect(isTimeZone('Nowhere/Special')).toBe(false)
    const zones = timeZones(['Asia/Shanghai'])
    expect(zones.slice(0, 2)).toEqual(['UTC', 'Asia/Shanghai'])
    expect(new Set(zones).size).toBe(zones.length)
  })
})
