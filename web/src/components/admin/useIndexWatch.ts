import { onBeforeUnmount, type Ref, watch } from 'vue'

const INTERVAL_MS = 2000

/** While some of `items` have not reached the search index, read them again now and then
 * until they have (the knowledge service indexes a change within moments). */
export function useIndexWatch<T extends { id: string; indexed: boolean }>(items: Ref<T[]>, read: (id: string) => Promise<T>) {
  let timer: ReturnType<typeof setTimeout> | null = null

  async function check(): Promise<void> {
    timer = null
    const pending = items.value.filter((item) => !item.indexed)
    const fresh = await Promise.all(pending.map((item) => read(item.id).catch(() => item)))
    items.value = items.value.map((item) => fresh.find((candidate) => candidate.id === item.id) ?? item)
  }
  function schedule(): void {
    if (timer === null && items.value.some((item) => !item.indexed)) timer = setTimeout(() => void check(), INTERVAL_MS)
  }
  watch(items, schedule, { immediate: true })
  onBeforeUnmount(() => {
    if (timer !== null) clearTimeout(timer)
  })
}
