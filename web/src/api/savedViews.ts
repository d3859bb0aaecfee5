import { http } from '@/api/http'

export const LIST_COLUMNS = [
  'number',
  'title',
  'type',
  'category',
  'priority',
  'status',
  'sla',
  'submitter',
  'assignee',
  'group',
  'escalation_level',
  'created_at',
  'updated_at',
  'first_response',
  'resolution',
] as const
export type ListColumn = (typeof LIST_COLUMNS)[number]

export interface ColumnSetting {
  key: ListColumn
  width: number | null
}

/** The list's filters as the API keeps them (the query the list sends, as one object). */
export interface ViewFilters {
  status?: string[]
  type?: string[]
  category?: string[]
  priority?: string[]
  sla_state?: string[]
  assignee?: string | null
  submitter?: string | null
  group?: string | null
  escalation_level?: number | null
  created_from?: string | null
  created_to?: string | null
  updated_from?: string | null
  updated_to?: string | null
  q?: string | null
}

export interface SavedView {
  id: string
  name: string
  shared: boolean
  owner: { id: string; name: string }
  mine: boolean
  filters: ViewFilters
  submitter_name: string | null
  sort: string
  columns: ColumnSetting[] | null
  created_at: string
  updated_at: string
}

export type SavedViewCreate = Pick<SavedView, 'name' | 'shared' | 'filters' | 'submitter_name' | 'sort' | 'columns'>

export interface ListPreferences {
  columns: ColumnSetting[] | null
  view_order: string[]
}

export async function listSavedViews(): Promise<SavedView[]> {
  return (await http.get<{ items: SavedView[] }>('/v1/saved-views')).items
}

export function createSavedView(view: SavedViewCreate): Promise<SavedView> {
  return http.post<SavedView>('/v1/saved-views', view)
}

export function updateSavedView(id: string, changes: Partial<SavedViewCreate>): Promise<SavedView> {
  return http.patch<SavedView>(`/v1/saved-views/${encodeURIComponent(id)}`, changes)
}

export function deleteSavedView(id: string): Promise<void> {
  return http.delete<void>(`/v1/saved-views/${encodeURIComponent(id)}`)
}

export function readListPreferences(): Promise<ListPreferences> {
  return http.get<ListPreferences>('/v1/me/list-preferences')
}

export function saveListPreferences(preferences: ListPreferences): Promise<ListPreferences> {
  return http.put<ListPreferences>('/v1/me/list-preferences', preferences)
}
