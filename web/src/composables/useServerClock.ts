import { useNow } from '@vueuse/core'
import { computed, ref } from 'vue'

import { clockSkewMs } from '@/lib/countdown'

// One ticking clock for every countdown on the page, on the server's time: each response
// that carries `server_time` corrects the skew between the two clocks.
const skewMs = ref(0)
const browserNow = useNow({ interval: 1000 })

export function noteServerTime(serverTime: string | undefined, sentAt: number, receivedAt: number): void {
  if (serverTime) skewMs.value = clockSkewMs(serverTime, sentAt, receivedAt)
}

export function useServerClock() {
  return { skewMs, browserNowMs: computed(() => browserNow.value.getTime()) }
}
