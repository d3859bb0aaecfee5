import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import type { StatsQuery } from '@/api/stats'
import { DEFAULT_PRESET, periodDays, userTimeZone, type Period } from '@/composables/useStatsPeriod'

export const FILTERS = ['type', 'category', 'priority', 'group', 'agent'] as const
export type FilterName = (typeof FILTERS)[number]
export type Filters = Record<FilterName, string>

export function emptyFilters(): Filters {
  return { type: '', category: '', priority: '', group: '', agent: '' }
}

/** The question every chart of the dashboard asks: one period, one set of filters. */
export const useDashboardStore = defineStore('dashboard', () => {
  const period = ref<Period>({ preset: DEFAULT_PRESET, custom: null, tz: userTimeZone() })
  const filters = ref<Filters>(emptyFilters())
  /** Bumped to ask again (a preset's days move with the clock). */
  const asked = ref(Date.now())

  const days = computed(() => periodDays(period.value, new Date(asked.value)))
  const query = computed<StatsQuery>(() => {
    const chosen = Object.fromEntries(Object.entries(filters.value).filter(([, value]) => value !== '' && value !== null && value !== undefined))
    return { from: days.value[0], to: days.value[1], tz: period.value.tz, ...chosen }
  })

  function refresh() {
    asked.value = Date.now()
  }

  return { period, filters, days, query, refresh }
})
