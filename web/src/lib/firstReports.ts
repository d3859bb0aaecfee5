// The dashboard's reports, asked for as soon as the router knows the dashboard is next:
// the six requests run beside the download of the dashboard's code (ECharts is most of
// it) instead of after it, as the ticket list's first page is (lib/firstPage).
import { readReports, type Reports, type StatsQuery } from '@/api/stats'
import { earlyRead } from '@/lib/earlyRead'
import { statsQueryOfAddress } from '@/stores/dashboard'

const firstReports = earlyRead<StatsQuery, Reports>()

export function prefetchReports(address: Record<string, unknown>) {
  const query = statsQueryOfAddress(address, new Date())
  firstReports.put(query, readReports(query))
}

/** The answers asked for early, once, if they are to exactly `query` and fresh. */
export const takeReports = firstReports.take
