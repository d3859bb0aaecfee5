import { http } from '@/api/http'

export type BulkKind = 'assign' | 'set_priority' | 'add_collaborator' | 'close_invalid' | 'merge'
export type BulkPhase = 'applying' | 'applied' | 'undoing' | 'undone' | 'finished'

export interface BulkParams {
  agent_id?: string
  priority?: string
  group?: string
  into_ticket_id?: string
  reason?: string
  different_customer_reason?: string
}

export interface BulkTally {
  done: number
  changed: number
  skipped: number
  undone: number
  not_undone: number
}

export interface BulkAction {
  id: string
  kind: BulkKind
  params: BulkParams
  actor: { id: string; name: string }
  phase: BulkPhase
  total: number
  tally: BulkTally
  reversible: boolean
  undo_until: string | null
  undo_total: number
  created_at: string
  updated_at: string
}

export interface BulkItem {
  ticket_id: string
  number: number | null
  outcome: string | null
  code: string | null
  message: string | null
  undo_outcome: string | null
  undo_code: string | null
}

/** A selection of tickets, or every ticket a view's filters match (the list's query). */
export type BulkSelection = { ticket_ids: string[] } | { filters: Record<string, unknown> }

export function startBulkAction(kind: BulkKind, params: BulkParams, selection: BulkSelection) {
  return http.post<BulkAction>('/v1/bulk-actions', { kind, params, ...selection })
}

export function undoBulkAction(id: string) {
  return http.post<unknown>(`/v1/bulk-actions/${encodeURIComponent(id)}/undo`, {})
}

export function skippedItems(id: string) {
  return http.get<{ items: BulkItem[]; next_cursor: string | null }>(`/v1/bulk-actions/${encodeURIComponent(id)}/items`, { outcome: 'skipped' })
}

export const ENDED_PHASES: BulkPhase[] = ['finished', 'undone']
