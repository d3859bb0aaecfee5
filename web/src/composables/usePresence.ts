import { useIntervalFn, watchDebounced } from '@vueuse/core'
import { onMounted, onUnmounted, ref, type Ref, watch } from 'vue'

import { csrfToken, http } from '@/api/http'

export interface Viewer {
  ticket_id: string
  id: string
  name: string
  typing: boolean
}

const HEARTBEAT_MS = 4000

/** This agent has the ticket open (and is typing or not); who else has. A closed tab says
 * goodbye (keepalive fetch), a silent one drops out on the server after 30 s. */
export function usePresence(ticketId: Ref<string>, typing: Ref<boolean>) {
  const others = ref<Viewer[]>([])

  async function beat() {
    try {
      const answer = await http.put<{ items: Viewer[] }>(`/v1/tickets/${encodeURIComponent(ticketId.value)}/presence`, { typing: typing.value })
      others.value = answer.items
    } catch {
      others.value = [] // presence is a courtesy: its failure never disturbs the page
    }
  }

  function leave(id: string) {
    void fetch(`/v1/tickets/${encodeURIComponent(id)}/presence`, {
      method: 'DELETE',
      keepalive: true,
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrfToken() },
    })
  }

  const onPageHide = () => leave(ticketId.value)
  useIntervalFn(beat, HEARTBEAT_MS)
  watch(typing, beat)
  watch(ticketId, (_, previous) => {
    if (previous) leave(previous)
    void beat()
  })
  onMounted(() => {
    void beat()
    window.addEventListener('pagehide', onPageHide)
  })
  onUnmounted(() => {
    window.removeEventListener('pagehide', onPageHide)
    leave(ticketId.value)
  })
  return { others }
}

/** Who has which of these tickets open, for the list's rows (asked every 10 s). */
export function useListPresence(ticketIds: Ref<string[]>) {
  const byTicket = ref<Record<string, Viewer[]>>({})
  async function ask() {
    if (ticketIds.value.length === 0) return
    try {
      const answer = await http.get<{ items: Viewer[] }>('/v1/tickets/presence', { ticket_id: ticketIds.value.slice(0, 100) })
      const grouped: Record<string, Viewer[]> = {}
      for (const viewer of answer.items) (grouped[viewer.ticket_id] ??= []).push(viewer)
      byTicket.value = grouped
    } catch {
      byTicket.value = {}
    }
  }
  useIntervalFn(ask, 10_000)
  watchDebounced(ticketIds, ask, { debounce: 1000 })
  return { byTicket }
}
