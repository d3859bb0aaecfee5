// SLA countdowns on the server's clock, not the browser's: a response carries the server's
// time, and the difference to the browser's clock at that moment is applied to every tick.

export type SlaState = 'on_track' | 'at_risk' | 'breached' | 'paused' | 'met'

export interface SlaClock {
  due_at: string | null
  state: SlaState
  met_at?: string | null
  breached_at?: string | null
  warned_at?: string | null
  stopped_at?: string | null
  target_seconds?: number | null
  /** Working time on the clock, paused time excluded, as of the ticket's last change. */
  elapsed_seconds?: number | null
}

export interface Sla {
  state: SlaState
  paused: boolean
  paused_seconds: number
  response: SlaClock
  resolution: SlaClock
}

/** How far the server's clock is ahead of the browser's (ms), from one response: the
 * server's time is taken as of the middle of the round trip. */
export function clockSkewMs(serverTimeIso: string, sentAtMs: number, receivedAtMs: number): number {
  const server = Date.parse(serverTimeIso)
  if (Number.isNaN(server)) return 0
  return server - (sentAtMs + receivedAtMs) / 2
}

export interface CountdownView {
  /** What to show: the state the workflow recorded, or breached once the deadline passed
   * on the server's clock (the pushed update confirms it within a second). */
  state: SlaState
  /** Milliseconds until the deadline (negative: overdue); null when no clock runs. */
  remainingMs: number | null
}

/** The clock that matters now: the response clock until the first response, then the
 * resolution clock. */
export function activeClock(sla: Sla): SlaClock {
  return sla.response.state === 'met' || sla.response.met_at ? sla.resolution : sla.response
}

export function countdown(sla: Sla, browserNowMs: number, skewMs: number): CountdownView {
  const clock = activeClock(sla)
  if (sla.paused || sla.state === 'paused') {
    const { target_seconds: target, elapsed_seconds: elapsed } = clock
    const known = target !== null && target !== undefined && elapsed !== null && elapsed !== undefined
    return { state: 'paused', remainingMs: known ? (target - elapsed) * 1000 : null }
  }
  if (clock.state === 'met' || clock.due_at === null) {
    return { state: clock.state, remainingMs: null }
  }
  const remainingMs = Date.parse(clock.due_at) - (browserNowMs + skewMs)
  const state: SlaState = remainingMs <= 0 ? 'breached' : clock.state
  return { state, remainingMs }
}

/** "2d 3h", "3h 05m", "4m 09s", "12s"; overdue durations keep their sign for the caller. */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000)
  const days = Math.floor(total / 86400)
  const hours = Math.floor((total % 86400) / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  const pad = (n: number) => String(n).padStart(2, '0')
  if (days > 0) return `${days}d ${hours}h`
  if (hours > 0) return `${hours}h ${pad(minutes)}m`
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`
  return `${seconds}s`
}
