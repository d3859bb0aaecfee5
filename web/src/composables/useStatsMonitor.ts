import { computed, onMounted, ref } from 'vue'

import { listTickets } from '@/api/tickets'
import type { Ticket } from '@/api/types'
import { useErrorText } from '@/composables/useErrorText'
import { useServerClock } from '@/composables/useServerClock'
import { useTicketStream } from '@/composables/useTicketStream'
import { countdown, type SlaState } from '@/lib/countdown'
import { matches, OPEN_STATUSES, toQuery, viewFilters } from '@/lib/views'

// The SLA monitor's tickets: every open ticket at risk or breached, read once and then
// kept by the pushed changes (a ticket joins, changes in place or leaves by the list's
// own rule), each with its state on the server's clock, ticking.

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const
const PAGE = 100
const MAX_PAGES = 10 // a wall screen shows at most 1,000 tickets

export interface Watched {
  ticket: Ticket
  state: SlaState
  remainingMs: number | null
}

const FILTERS = { ...viewFilters('at_risk'), status: [...OPEN_STATUSES], sla_state: ['at_risk', 'breached'] }

export function useStatsMonitor() {
  const errorText = useErrorText()
  const { skewMs, browserNowMs } = useServerClock()
  const tickets = ref<Ticket[]>([])
  const loaded = ref(false)
  const error = ref('')
  const truncated = ref(false)
  let loading = 0
  let pushedDuringLoad: ({ ticket: Ticket } | { hidden: string })[] = []
  let firstRead: (serverTime: string | null) => void = () => {}
  const firstReadTime = new Promise<string | null>((resolve) => (firstRead = resolve))

  async function load() {
    loading += 1
    if (loading === 1) pushedDuringLoad = []
    try {
      const found: Ticket[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const page = await listTickets({ ...toQuery(FILTERS), limit: PAGE, ...(cursor ? { cursor } : {}) })
        if (pages === 0) firstRead(page.server_time)
        found.push(...page.items)
        cursor = page.next_cursor
        pages += 1
      } while (cursor && pages < MAX_PAGES)
      truncated.value = cursor !== null
      tickets.value = found
      error.value = ''
      loaded.value = true
    } catch (failure) {
      error.value = errorText(failure)
      firstRead(null)
    } finally {
      loading -= 1
      if (loading === 0) {
        const replay = pushedDuringLoad
        pushedDuringLoad = []
        for (const pushed of replay) {
          if ('ticket' in pushed) apply(pushed.ticket)
          else hide(pushed.hidden)
        }
      }
    }
  }

  function apply(ticket: Ticket) {
    const shown = tickets.value.find((row) => row.id === ticket.id)
    if (shown && Date.parse(shown.updated_at) > Date.parse(ticket.updated_at)) return // older news
    const others = tickets.value.filter((row) => row.id !== ticket.id)
    tickets.value = matches(ticket, FILTERS, undefined) ? [...others, ticket] : others
  }
  function hide(id: string) {
    tickets.value = tickets.value.filter((row) => row.id !== id)
  }
  function onTicket(ticket: Ticket) {
    if (loading > 0) pushedDuringLoad.push({ ticket })
    apply(ticket)
  }
  function onHidden(id: string) {
    if (loading > 0) pushedDuringLoad.push({ hidden: id })
    hide(id)
  }
  const { connected } = useTicketStream(onTicket, () => void load(), onHidden, firstReadTime)
  onMounted(load)

  // Each ticket's state on the server's clock: an at-risk ticket whose deadline has passed
  // counts as breached at once (the workflow's own push follows within a second).
  const watched = computed<Watched[]>(() =>
    tickets.value
      .map((ticket) => {
        const view = countdown(ticket.sla, browserNowMs.value, skewMs.value)
        const state: SlaState = view.state === 'breached' || ticket.sla.state === 'breached' ? 'breached' : 'at_risk'
        return { ticket, state, remainingMs: view.remainingMs }
      })
      .sort((a, b) => (a.remainingMs ?? Infinity) - (b.remainingMs ?? Infinity) || a.ticket.number - b.ticket.number),
  )
  const breached = computed(() => watched.value.filter((item) => item.state === 'breached'))
  const atRisk = computed(() => watched.value.filter((item) => item.state === 'at_risk'))
  const counts = computed(() =>
    PRIORITIES.map((priority) => ({
      priority,
      breached: breached.value.filter((item) => item.ticket.priority === priority).length,
      at_risk: atRisk.value.filter((item) => item.ticket.priority === priority).length,
    })),
  )

  return { breached, atRisk, counts, loaded, error, truncated, connected, load }
}
