import { ref, type Ref } from 'vue'

import type { Page } from '@/api/admin'
import type { Query } from '@/api/http'

import { useAdminErrors } from './useAdminErrors'

/** A list read in keyset pages: the first page on `reload`, the next on `more`. */
export function useCursorList<T>(fetchPage: (query: Query) => Promise<Page<T>>, pageSize = 50) {
  const items = ref([]) as Ref<T[]>
  const cursor = ref<string | null>(null)
  const loading = ref(false)
  const error = ref('')
  const errorText = useAdminErrors()

  async function load(reset: boolean): Promise<void> {
    loading.value = true
    error.value = ''
    try {
      const page = await fetchPage({ limit: pageSize, cursor: reset ? null : cursor.value })
      items.value = reset ? page.items : [...items.value, ...page.items]
      cursor.value = page.next_cursor
    } catch (caught) {
      error.value = errorText(caught)
    } finally {
      loading.value = false
    }
  }

  return { items, cursor, loading, error, reload: () => load(true), more: () => load(false) }
}
