import { computed, nextTick, ref, watch } from 'vue'

import { useTheme } from '@/composables/useTheme'

// Chart colours readable in both themes: each palette's colours reach 3:1 (WCAG's contrast
// for graphics) on its own background (#ffffff light, #1d1e1f dark cards). Text and axis
// colours are Element Plus's own, read from the page once the theme's class is applied.

export const LIGHT_PALETTE = ['#1a5fb4', '#c64600', '#1e7b45', '#a51d2d', '#6f3fa0', '#0b7285', '#8a6d00', '#5e5c64']
export const DARK_PALETTE = ['#62a0ea', '#ffa348', '#57e389', '#f66151', '#dc8add', '#5bc8d8', '#f6d32d', '#c0bfbc']

/** Colours with a meaning, the same hue in both themes (index into the palette). */
export const MEANING = { new: 0, resolved: 2, breached: 3, at_risk: 1, met: 2, neutral: 7 } as const

export interface ChartTheme {
  dark: boolean
  palette: string[]
  text: string
  muted: string
  axis: string
  split: string
  surface: string
}

function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback
}

function read(dark: boolean): ChartTheme {
  return {
    dark,
    palette: dark ? DARK_PALETTE : LIGHT_PALETTE,
    text: cssVar('--el-text-color-primary', dark ? '#e5eaf3' : '#303133'),
    muted: cssVar('--el-text-color-regular', dark ? '#cfd3dc' : '#606266'),
    axis: cssVar('--el-border-color', dark ? '#4c4d4f' : '#dcdfe6'),
    split: cssVar('--el-border-color-lighter', dark ? '#363637' : '#ebeef5'),
    surface: cssVar('--el-bg-color-overlay', dark ? '#1d1e1f' : '#ffffff'),
  }
}

const { isDark } = useTheme()
const theme = ref<ChartTheme>(read(isDark.value))
// After the DOM update: the `dark` class is on <html> by then, so its variables are.
watch(isDark, async (dark) => {
  await nextTick()
  theme.value = read(dark)
})

export function useChartTheme() {
  const colour = (meaning: keyof typeof MEANING) => computed(() => theme.value.palette[MEANING[meaning]] ?? theme.value.text)
  return { theme, colour }
}

// A short entrance (none for those who ask for reduced motion): a chart has painted, and
// ECharts reports `finished`, once its animation ends.
const reducedMotion = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches
const ANIMATION_MS = 250

/** The parts of an ECharts option every chart shares: text, tooltip, legend in the theme. */
export function baseOption(theme: ChartTheme) {
  return {
    animation: !reducedMotion,
    animationDuration: ANIMATION_MS,
    animationDurationUpdate: ANIMATION_MS,
    backgroundColor: 'transparent',
    color: theme.palette,
    textStyle: { color: theme.text, fontFamily: 'inherit' },
    tooltip: {
      backgroundColor: theme.surface,
      borderColor: theme.axis,
      textStyle: { color: theme.text },
    },
    legend: { textStyle: { color: theme.muted }, top: 0 },
  }
}

/** An axis styled from the theme. */
export function axis(theme: ChartTheme, extra: Record<string, unknown> = {}) {
  return {
    axisLabel: { color: theme.muted },
    axisLine: { lineStyle: { color: theme.axis } },
    axisTick: { lineStyle: { color: theme.axis } },
    splitLine: { lineStyle: { color: theme.split } },
    nameTextStyle: { color: theme.muted },
    ...extra,
  }
}
