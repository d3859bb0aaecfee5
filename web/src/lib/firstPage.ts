// The agent list's first page, asked for as soon as the router knows the list is next:
// the request runs beside the download of the list's code instead of after it.
import { listTickets } from '@/api/tickets'
import type { TicketPage } from '@/api/types'
import { DEFAULT_VIEW, toQuery, type ViewName, viewFilters } from '@/lib/views'

export const PAGE_SIZE = 50
const FRESH_MS = 5000 // older than this, the list reads its page itself

let early: { view: ViewName; at: number; page: Promise<TicketPage> } | null = null

function firstPageQuery(view: ViewName) {
  return { ...toQuery(viewFilters(view)), limit: PAGE_SIZE }
}

export function prefetchFirstPage(view: ViewName = DEFAULT_VIEW) {
  const page = listTickets(firstPageQuery(view))
  page.catch(() => {}) // a failure is shown by the list's own read, which then runs
  early = { view, at: performance.now(), page }
}

/** The page asked for early, once, if it is of `view` and fresh. */
export function takeFirstPage(view: ViewName): Promise<TicketPage> | null {
  const found = early
  early = null
  if (found === null || found.view !== view || performance.now() - found.at > FRESH_MS) return null
  return found.page
}
