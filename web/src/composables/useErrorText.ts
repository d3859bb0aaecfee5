import { useI18n } from 'vue-i18n'

import { ApiError } from '@/api/http'

/** An error as a sentence in the user's language, chosen by its stable `code`. */
export function useErrorText() {
  const { t, te } = useI18n()
  return (error: unknown): string => {
    if (error instanceof ApiError) {
      const key = `errors.${error.code}`
      if (te(key)) return t(key)
      return t('errors.unknown', { message: error.message })
    }
    return t('errors.unknown', { message: String(error) })
  }
}
