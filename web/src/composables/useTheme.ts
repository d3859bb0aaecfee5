import { useDark, useToggle } from '@vueuse/core'

// Follows the system until the user picks; Element Plus reads the `dark` class on <html>.
const isDark = useDark({ storageKey: 'helpdesk.theme' })
const toggle = useToggle(isDark)

export function useTheme() {
  return { isDark, toggle }
}
