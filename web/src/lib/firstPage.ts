// The agent list's first page, asked for as soon as the router knows the list is next:
// the request runs beside the download of the list's code instead of after it.
import { listTickets } from '@/api/tickets'
import type { Query } from '@/api/http'
import type { TicketPage } from '@/api/types'
import { earlyRead } from '@/lib/earlyRead'
import { DEFAULT_VIEW, toQuery, viewFilters } from '@/lib/views'

export const PAGE_SIZE = 50

const firstPage = earlyRead<Query, TicketPage>()

export function prefetchFirstPage() {
  const query = { ...toQuery(viewFilters(DEFAULT_VIEW)), limit: PAGE_SIZE }
  firstPage.put(query, listTickets(query))
}

/** The page asked for early, once, if it is of exactly `query` and fresh. */
export const takeFirstPage = firstPage.take
