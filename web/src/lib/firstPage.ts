// The agent list's first page, asked for as soon as the router knows the list is next:
// the request runs beside the download of the list's code instead of after it.
import { listTickets } from '@/api/tickets'
import type { Query } from '@/api/http'
import type { TicketPage } from '@/api/types'
import { DEFAULT_VIEW, toQuery, viewFilters } from '@/lib/views'

export const PAGE_SIZE = 50
const FRESH_MS = 5000 // older than this, the list reads its page itself

let early: { key: string; at: number; page: Promise<TicketPage> } | null = null

export function prefetchFirstPage() {
  const query = { ...toQuery(viewFilters(DEFAULT_VIEW)), limit: PAGE_SIZE }
  const page = listTickets(query)
  page.catch(() => {}) // a failure is shown by the list's own read, which then runs
  early = { key: JSON.stringify(query), at: performance.now(), page }
}

/** The page asked for early, once, if it is of exactly `query` and fresh. */
export function takeFirstPage(query: Query): Promise<TicketPage> | null {
  const found = early
  early = null
  if (found === null || found.key !== JSON.stringify(query) || performance.now() - found.at > FRESH_MS) return null
  return found.page
}
