import { computed, onUnmounted, ref, watchEffect, type Ref } from 'vue'

// What the command palette offers beside going to a ticket and opening a view: commands a
// page registers while it is shown (the open ticket's actions), gone when it unmounts.
export interface Command {
  id: string
  label: string
  run: () => void
}

const sources = ref(new Map<symbol, Command[]>())

export const pageCommands = computed(() => [...sources.value.values()].flat())

export function useCommands(commands: Ref<Command[]>): void {
  const key = Symbol('commands')
  watchEffect(() => {
    sources.value = new Map(sources.value).set(key, commands.value)
  })
  onUnmounted(() => {
    const next = new Map(sources.value)
    next.delete(key)
    sources.value = next
  })
}
