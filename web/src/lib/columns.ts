// The agent list's columns: which the list shows when the user has chosen none, how wide,
// and the list's filters turned into a saved view's and back.
import type { ColumnSetting, ListColumn, SavedView, ViewFilters } from '@/api/savedViews'
import { emptyFilters, type ListFilters } from '@/lib/views'

export const DEFAULT_WIDTHS: Record<ListColumn, number> = {
  number: 80,
  title: 260,
  type: 110,
  category: 120,
  priority: 80,
  status: 110,
  sla: 130,
  submitter: 120,
  assignee: 110,
  group: 120,
  escalation_level: 100,
  created_at: 135,
  updated_at: 135,
  first_response: 100,
  resolution: 100,
}

export const DEFAULT_COLUMNS: ColumnSetting[] = (
  ['number', 'title', 'type', 'priority', 'status', 'sla', 'submitter', 'assignee', 'created_at', 'updated_at', 'first_response', 'resolution'] as ListColumn[]
).map((key) => ({ key, width: null }))

export function widthOf(column: ColumnSetting): number {
  return column.width ?? DEFAULT_WIDTHS[column.key]
}

/** The filters and sort of the list, as a saved view keeps them. */
export function savedFilters(filters: ListFilters): Pick<SavedView, 'filters' | 'sort' | 'submitter_name'> {
  const kept: ViewFilters = {
    status: filters.status,
    type: filters.type,
    category: filters.category,
    priority: filters.priority,
    sla_state: filters.sla_state,
    assignee: filters.assignee || null,
    group: filters.group || null,
    submitter: filters.submitter?.id ?? null,
    escalation_level: filters.escalation_level,
    created_from: filters.created?.[0] ?? null,
    created_to: filters.created?.[1] ?? null,
    updated_from: filters.updated?.[0] ?? null,
    updated_to: filters.updated?.[1] ?? null,
    q: filters.q.trim() || null,
  }
  return { filters: kept, sort: filters.sort, submitter_name: filters.submitter?.name ?? null }
}

function range(from: string | null | undefined, to: string | null | undefined): [string, string] | null {
  return from && to ? [from, to] : null
}

/** A saved view's filters, as the list edits them. */
export function listFilters(view: Pick<SavedView, 'filters' | 'sort' | 'submitter_name'>): ListFilters {
  const kept = view.filters
  return {
    ...emptyFilters(),
    status: kept.status ?? [],
    type: kept.type ?? [],
    category: kept.category ?? [],
    priority: kept.priority ?? [],
    sla_state: kept.sla_state ?? [],
    assignee: kept.assignee ?? '',
    group: kept.group ?? '',
    submitter: kept.submitter ? { id: kept.submitter, name: view.submitter_name ?? kept.submitter } : null,
    escalation_level: kept.escalation_level ?? null,
    created: range(kept.created_from, kept.created_to),
    updated: range(kept.updated_from, kept.updated_to),
    q: kept.q ?? '',
    sort: view.sort,
  }
}

/** `columns` with the one at `index` moved by `step` places (kept within the list). */
export function moved<T>(items: T[], index: number, step: number): T[] {
  const target = Math.min(Math.max(index + step, 0), items.length - 1)
  const copy = [...items]
  const [item] = copy.splice(index, 1)
  if (item !== undefined) copy.splice(target, 0, item)
  return copy
}
