import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import type { StatsQuery } from '@/api/stats'
import { DEFAULT_PRESET, periodDays, periodFromQuery, userTimeZone, type Period } from '@/composables/useStatsPeriod'

export const FILTERS = ['type', 'category', 'priority', 'group', 'agent'] as const
export type FilterName = (typeof FILTERS)[number]
export type Filters = Record<FilterName, string>

export function emptyFilters(): Filters {
  return { type: '', category: '', priority: '', group: '', agent: '' }
}

/** The filters a dashboard address names (a bookmark or a shared link). */
export function filtersFromQuery(query: Record<string, unknown>): Filters {
  return Object.fromEntries(FILTERS.map((name) => [name, typeof query[name] === 'string' ? query[name] : ''])) as Filters
}

/** The question the reports are asked for a period and filters, `now`. */
export function statsQueryOf(period: Period, filters: Filters, now: Date): StatsQuery {
  const [from, to] = periodDays(period, now)
  const chosen = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== '' && value !== null && value !== undefined))
  return { from, to, tz: period.tz, ...chosen }
}

/** The question a dashboard address asks (what the page will ask once it is shown). */
export function statsQueryOfAddress(query: Record<string, unknown>, now: Date): StatsQuery {
  return statsQueryOf(periodFromQuery(query, userTimeZone()), filtersFromQuery(query), now)
}

/** The question every chart of the dashboard asks: one period, one set of filters. */
export const useDashboardStore = defineStore('dashboard', () => {
  const period = ref<Period>({ preset: DEFAULT_PRESET, custom: null, tz: userTimeZone() })
  const filters = ref<Filters>(emptyFilters())
  /** Bumped to ask again (a preset's days move with the clock). */
  const asked = ref(Date.now())

  const days = computed(() => periodDays(period.value, new Date(asked.value)))
  const query = computed<StatsQuery>(() => statsQueryOf(period.value, filters.value, new Date(asked.value)))

  function refresh() {
    asked.value = Date.now()
  }

  return { period, filters, days, query, refresh }
})
