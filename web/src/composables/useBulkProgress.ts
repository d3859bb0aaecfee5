import { onUnmounted, ref, watch, type Ref } from 'vue'

import { ENDED_PHASES, type BulkAction } from '@/api/bulk'

// A bulk action as the server pushes it (intake's `/v1/bulk-actions/{id}/stream`): the
// stream ends once the action has ended; while it is open to an undo, the stream is
// opened again when the undo starts.
export function useBulkProgress(actionId: Ref<string | null>) {
  const action = ref<BulkAction | null>(null)
  let source: EventSource | null = null

  function close() {
    source?.close()
    source = null
  }

  function open(id: string) {
    close()
    source = new EventSource(`/v1/bulk-actions/${encodeURIComponent(id)}/stream`)
    source.addEventListener('progress', (event) => {
      action.value = JSON.parse((event as MessageEvent<string>).data) as BulkAction
      // Ended, or waiting on an undo: nothing more comes until someone acts.
      if (ENDED_PHASES.includes(action.value.phase) || action.value.phase === 'applied') close()
    })
  }

  watch(actionId, (id) => {
    action.value = null
    if (id) open(id)
    else close()
  }, { immediate: true })
  onUnmounted(close)

  return { action, follow: open }
}
