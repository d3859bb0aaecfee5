import { describe, expect, it } from 'vitest'

import { clockSkewMs, countdown, formatDuration, type Sla } from '../src/lib/countdown'

function sla(overrides: Partial<Sla> = {}): Sla {
  return {
    state: 'on_track',
    paused: false,
    paused_seconds: 0,
    response: { due_at: '2026-12-01T10:00:00Z', state: 'on_track' },
    resolution: { due_at: '2026-12-02T10:00:00Z', state: 'on_track' },
    ...overrides,
  }
}

describe('clock skew', () => {
  it('takes the server time as of the middle of the round trip', () => {
    const sent = Date.parse('2026-12-01T09:00:00Z')
    // The browser is 30 s behind: the server said 09:00:31 when the browser was at 09:00:01.
    expect(clockSkewMs('2026-12-01T09:00:31Z', sent, sent + 2000)).toBe(30_000)
  })
  it('ignores a time it cannot read', () => {
    expect(clockSkewMs('not a time', 0, 10)).toBe(0)
  })
})

describe('countdown', () => {
  const nine = Date.parse('2026-12-01T09:00:00Z')

  it('counts down on the server clock, not the browser clock', () => {
    // The browser says 09:00, the server is 10 minutes ahead: 50 minutes remain.
    expect(countdown(sla(), nine, 10 * 60_000)).toEqual({ state: 'on_track', remainingMs: 50 * 60_000 })
  })
  it('shows breached once the deadline passed, before the pushed state arrives', () => {
    const view = countdown(sla(), Date.parse('2026-12-01T10:00:01Z'), 0)
    expect(view.state).toBe('breached')
    expect(view.remainingMs).toBe(-1000)
  })
  it('keeps the recorded state while the deadline is ahead', () => {
    const atRisk = sla({ response: { due_at: '2026-12-01T10:00:00Z', state: 'at_risk' } })
    expect(countdown(atRisk, nine, 0).state).toBe('at_risk')
  })
  it('is paused while awaiting the customer, with the time that was left', () => {
    const paused = sla({
      paused: true,
      state: 'paused',
      response: { due_at: null, state: 'paused', target_seconds: 3600, elapsed_seconds: 3000 },
    })
    expect(countdown(paused, nine, 0)).toEqual({ state: 'paused', remainingMs: 600_000 })
  })
  it('moves to the resolution clock once the first response was given', () => {
    const answered = sla({ response: { due_at: '2026-12-01T10:00:00Z', state: 'met', met_at: '2026-12-01T08:00:00Z' } })
    expect(countdown(answered, nine, 0).remainingMs).toBe(25 * 3600_000)
  })
})

describe('formatDuration', () => {
  it.each([
    [12_000, '12s'],
    [249_000, '4m 09s'],
    [3 * 3600_000 + 5 * 60_000, '3h 05m'],
    [2 * 86400_000 + 3 * 3600_000, '2d 3h'],
    [-90_000, '1m 30s'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})
