import { defineStore } from 'pinia'
import { ref } from 'vue'

import { http } from '@/api/http'
import type { InboxItem } from '@/api/types'

interface InboxPage {
  items: InboxItem[]
  next_cursor: string | null
  unread: number
}

type Listener = (item: InboxItem) => void

// The in-app inbox and its live stream (notify's server-sent events). The browser's
// EventSource reconnects by itself and sends Last-Event-ID, so nothing is missed across a
// dropped connection; a page that shows a ticket listens here for news of it.
export const useInboxStore = defineStore('inbox', () => {
  const items = ref<InboxItem[]>([])
  const unread = ref(0)
  const listeners = new Set<Listener>()
  let source: EventSource | null = null

  async function load(): Promise<void> {
    const page = await http.get<InboxPage>('/v1/inbox', { limit: 20 })
    items.value = page.items
    unread.value = page.unread
  }

  function connect(): void {
    if (source) return
    source = new EventSource('/v1/inbox/stream')
    source.addEventListener('notification', (event) => {
      const item = JSON.parse((event as MessageEvent<string>).data) as InboxItem
      if (items.value.some((known) => known.id === item.id)) return
      items.value = [item, ...items.value].slice(0, 50)
      if (!item.read_at) unread.value += 1
      for (const listener of listeners) listener(item)
    })
  }

  function disconnect(): void {
    source?.close()
    source = null
    items.value = []
    unread.value = 0
  }

  function onItem(listener: Listener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }

  async function markAllRead(): Promise<void> {
    await http.post('/v1/inbox/read-all')
    unread.value = 0
    items.value = items.value.map((item) => ({ ...item, read_at: item.read_at ?? new Date().toISOString() }))
  }

  return { items, unread, load, connect, disconnect, onItem, markAllRead }
})
