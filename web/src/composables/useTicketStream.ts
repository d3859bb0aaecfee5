import { onMounted, onUnmounted, ref } from 'vue'

import type { Ticket } from '@/api/types'
import { noteServerTime } from '@/composables/useServerClock'

// The live stream of changed tickets (intake's server-sent events, only tickets this user
// may see). EventSource reconnects by itself and sends Last-Event-ID, so the server
// replays what changed while the connection was down. `hidden` names a ticket this stream
// sent that the user may no longer see (escalated or moved to another group). `since`,
// when given, is the `server_time` of the page on screen: the stream opens once it is
// known and first replays what changed after that page was read.
export function useTicketStream(
  onTicket: (ticket: Ticket) => void,
  onReload: () => void,
  onHidden: (id: string) => void = () => {},
  since?: Promise<string | null>,
) {
  const connected = ref(false)
  let source: EventSource | null = null
  let unmounted = false

  onMounted(async () => {
    const from = since ? await since : null
    if (unmounted) return
    source = new EventSource(from ? `/v1/tickets/stream?since=${encodeURIComponent(from)}` : '/v1/tickets/stream')
    source.onopen = () => (connected.value = true)
    source.onerror = () => (connected.value = false)
    source.addEventListener('ticket', (event) => {
      const received = Date.now()
      const { ticket, server_time } = JSON.parse((event as MessageEvent<string>).data) as { ticket: Ticket; server_time: string }
      noteServerTime(server_time, received, received)
      onTicket(ticket)
    })
    source.addEventListener('hidden', (event) => onHidden((JSON.parse((event as MessageEvent<string>).data) as { id: string }).id))
    source.addEventListener('reload', () => onReload())
  })
  onUnmounted(() => {
    unmounted = true
    source?.close()
  })

  return { connected }
}
