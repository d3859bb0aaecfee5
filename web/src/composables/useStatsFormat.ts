import { computed } from 'vue'
import { useI18n } from 'vue-i18n'

import { formatSeconds } from '@/lib/dates'

/** A figure's raw value as the page's data-value attribute (what tests and tools read). */
export function rawValue(value: unknown): string {
  return value === null || value === undefined ? '' : String(value)
}

/** Figures in the user's language: counts, rates (0–1) as percentages, working time. */
export function useStatsFormat() {
  const { t, locale } = useI18n()
  // Built once per language: constructing an Intl.NumberFormat per figure was a tenth of
  // the dashboard's first render (hundreds of cells and labels).
  const counts = computed(() => new Intl.NumberFormat(locale.value))
  const percents = computed(() => new Intl.NumberFormat(locale.value, { style: 'percent', maximumFractionDigits: 1 }))
  const count = (value: number | null | undefined) => (value === null || value === undefined ? '—' : counts.value.format(value))
  const percent = (rate: number | null | undefined) => (rate === null || rate === undefined ? '—' : percents.value.format(rate))
  const duration = (seconds: number | null | undefined) => formatSeconds(seconds)
  const score = (value: number | null | undefined) => (value === null || value === undefined ? '—' : value.toFixed(2))
  const enumLabel = (kind: string, value: string | null | undefined) => (value ? t(`enum.${kind}.${value}`) : '—')
  return { count, percent, duration, score, enumLabel }
}
