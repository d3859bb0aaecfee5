// The dashboard's reports, asked for as soon as the router knows the dashboard is next:
// the six requests run beside the download of the dashboard's code (ECharts is most of
// it) instead of after it. As the ticket list's first page does (lib/firstPage).
import { readReport, REPORTS, type Reports, type StatsQuery } from '@/api/stats'
import { statsQueryOfAddress } from '@/stores/dashboard'

const FRESH_MS = 5000 // older than this, the dashboard asks itself

let early: { key: string; at: number; answers: Promise<Reports> } | null = null

export function prefetchReports(address: Record<string, unknown>) {
  const query = statsQueryOfAddress(address, new Date())
  const answers = Promise.all(REPORTS.map((name) => readReport(name, query))).then(
    (found) => Object.fromEntries(REPORTS.map((name, index) => [name, found[index]])) as unknown as Reports,
  )
  answers.catch(() => {}) // a failure is shown by the dashboard's own read, which then runs
  early = { key: JSON.stringify(query), at: performance.now(), answers }
}

/** The answers asked for early, once, if they are to exactly `query` and fresh. */
export function takeReports(query: StatsQuery): Promise<Reports> | null {
  const found = early
  early = null
  if (found === null || found.key !== JSON.stringify(query) || performance.now() - found.at > FRESH_MS) return null
  return found.answers
}
