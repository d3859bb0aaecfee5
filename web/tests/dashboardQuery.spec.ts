import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'

import { periodFromQuery, userTimeZone } from '../src/composables/useStatsPeriod'
import { filtersFromQuery, statsQueryOfAddress, useDashboardStore } from '../src/stores/dashboard'

// The router asks the reports for the address before the page exists; the page takes those
// answers only if its own question, built by the store from the same address, is the same
// text. These addresses must therefore give the same question both ways.
const ADDRESSES: Record<string, unknown>[] = [
  {},
  { preset: 'last_7_days', tz: 'Asia/Shanghai' },
  { from: '2026-02-01', to: '2026-02-28', tz: 'Europe/Berlin', priority: 'urgent', agent: 'a1' },
  { type: 'technical', category: 'connection', group: 'frontline', tz: 'Mars/Olympus' },
]

describe("the dashboard's question", () => {
  beforeEach(() => setActivePinia(createPinia()))

  it.each(ADDRESSES)('is the same from the address as from the page for %o', (address) => {
    const store = useDashboardStore()
    store.period = periodFromQuery(address, userTimeZone())
    store.filters = filtersFromQuery(address)
    expect(JSON.stringify(statsQueryOfAddress(address, new Date()))).toBe(JSON.stringify(store.query))
  })

  it('names only the filters that are set', () => {
    const query = statsQueryOfAddress({ from: '2026-02-01', to: '2026-02-03', tz: 'UTC', agent: 'a1', type: '' }, new Date())
    expect(query).toEqual({ from: '2026-02-01', to: '2026-02-03', tz: 'UTC', agent: 'a1' })
  })
})
