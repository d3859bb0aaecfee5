import type { Ref } from 'vue'
import { createI18n } from 'vue-i18n'

import { en, zhCN } from '@/locales/messages'

export const LANGUAGES = ['zh-CN', 'en'] as const
export type Language = (typeof LANGUAGES)[number]
const STORAGE_KEY = 'helpdesk.language'

/** The language chosen before, else the browser's (Chinese for any zh-*), else Chinese. */
export function initialLanguage(stored: string | null, browser: readonly string[]): Language {
  if (stored === 'zh-CN' || stored === 'en') return stored
  for (const tag of browser) {
    if (tag.toLowerCase().startsWith('zh')) return 'zh-CN'
    if (tag.toLowerCase().startsWith('en')) return 'en'
  }
  return 'zh-CN'
}

type Messages = typeof zhCN

export const i18n = createI18n<[Messages], Language>({
  legacy: false,
  locale: initialLanguage(localStorage.getItem(STORAGE_KEY), navigator.languages ?? []),
  fallbackLocale: 'en',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
})

// In composition mode the global locale is a ref (the generic types describe legacy mode).
export const currentLanguage = i18n.global.locale as unknown as Ref<Language>

export function setLanguage(language: Language): void {
  currentLanguage.value = language
  localStorage.setItem(STORAGE_KEY, language)
  document.documentElement.lang = language
}
