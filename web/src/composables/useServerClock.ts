import { useIntervalFn } from '@vueuse/core'
import { computed, onScopeDispose, ref, watch, type Ref } from 'vue'

import { clockSkewMs } from '@/lib/countdown'

// One ticking clock for every countdown on the page, on the server's time: each response
// that carries `server_time` corrects the skew between the two clocks.
const skewMs = ref(0)
const browserNowMs = ref(Date.now())
useIntervalFn(() => {
  browserNowMs.value = Date.now()
}, 1000)

export function noteServerTime(serverTime: string | undefined, sentAt: number, receivedAt: number): void {
  if (serverTime) skewMs.value = clockSkewMs(serverTime, sentAt, receivedAt)
}

export function useServerClock() {
  return { skewMs, browserNowMs: computed(() => browserNowMs.value) }
}

/** One extra tick of the shared clock when a deadline falls before the next regular one,
 * so a countdown turns breached at its deadline and not up to a second after it. */
export function useTickAtDeadline(remainingMs: Ref<number | null>): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  watch(
    remainingMs,
    (ms) => {
      clearTimeout(timer)
      if (ms === null || ms <= 0 || ms > 1000) return
      timer = setTimeout(() => {
        browserNowMs.value = Date.now()
      }, ms)
    },
    { immediate: true },
  )
  onScopeDispose(() => clearTimeout(timer))
}
