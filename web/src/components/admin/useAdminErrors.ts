import { useI18n } from 'vue-i18n'

import { ApiError } from '@/api/http'
import { useErrorText } from '@/composables/useErrorText'

/** An API error as a sentence: the admin console's own codes first, then the app's. */
export function useAdminErrors() {
  const { t, te } = useI18n()
  const generic = useErrorText()
  return (error: unknown): string => {
    if (error instanceof ApiError) {
      const key = `admin.errors.${error.code}`
      if (te(key)) return t(key)
    }
    return generic(error)
  }
}
