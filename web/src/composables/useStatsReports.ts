import { onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'

import { readReports, type Reports, type StatsQuery } from '@/api/stats'
import { useErrorText } from '@/composables/useErrorText'
import { takeReports } from '@/lib/firstReports'

/** Every report for one question, asked side by side and asked again whenever the
 * question changes (an answer to an older question is dropped). The first answers may be
 * those the router asked for while the page's code loaded. */
export function useStatsReports(query: Ref<StatsQuery>) {
  const errorText = useErrorText()
  const reports = shallowRef<Partial<Reports>>({})
  const loading = ref(false)
  const error = ref('')
  let controller: AbortController | null = null

  async function load() {
    controller?.abort()
    const mine = new AbortController()
    controller = mine
    loading.value = true
    error.value = ''
    const asked = { ...query.value }
    try {
      const early = await takeReports(asked)?.catch(() => null)
      const answers = early ?? (await readReports(asked, mine.signal))
      if (controller !== mine) return
      reports.value = answers
    } catch (failure) {
      if (controller !== mine || (failure instanceof DOMException && failure.name === 'AbortError')) return
      error.value = errorText(failure)
    } finally {
      if (controller === mine) loading.value = false
    }
  }

  watch(query, load, { deep: true, immediate: true })
  onScopeDispose(() => controller?.abort())

  return { reports, loading, error, load }
}
