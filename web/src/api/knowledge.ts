import { http } from '@/api/http'
import type { Article, Hit, SearchPage } from '@/api/types'
import { portalSession } from '@/composables/usePortalSession'

export interface SearchFilters {
  type?: string
  category?: string
}

export function searchArticles(q: string, filters: SearchFilters, lang: string | undefined, signal?: AbortSignal) {
  return http.get<SearchPage>('/v1/search', { q, ...filters, lang, limit: 10, session: portalSession() }, signal)
}

export function suggestArticles(title: string, description: string, type: string | undefined, lang: string) {
  return http.post<{ hits: Hit[]; unavailable: boolean }>('/v1/suggest', {
    title,
    description,
    type: type || undefined,
    lang,
    limit: 5,
    session: portalSession(),
  })
}

export function readArticle(id: string) {
  return http.get<Article>(`/v1/articles/${encodeURIComponent(id)}`, { session: portalSession() })
}

export function voteArticle(id: string, helpful: boolean) {
  return http.post<void>(`/v1/articles/${encodeURIComponent(id)}/vote`, { helpful, session: portalSession() })
}
