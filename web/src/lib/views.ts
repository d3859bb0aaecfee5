// The agent list's built-in views and filters, as the query the API takes and as a test of
// one ticket (a pushed change joins, stays in or leaves the list by the same rule).
import type { Ticket } from '@/api/types'

export const OPEN_STATUSES = ['pending', 'processing', 'awaiting_user']

export interface ListFilters {
  status: string[]
  type: string[]
  category: string[]
  priority: string[]
  sla_state: string[]
  assignee: string // '', 'me', 'none' or an agent's id
  group: string
  submitter: { id: string; name: string } | null
  created: DateRange | null
  updated: DateRange | null
  escalation_level: number | null
  q: string
  sort: string
}

/** Calendar days picked in the user's time zone, as [from, to) instants (ISO strings). */
export type DateRange = [string, string]

export const VIEWS = ['my_open', 'unassigned', 'at_risk', 'breached', 'awaiting_customer', 'all_open'] as const
export type ViewName = (typeof VIEWS)[number]
/** The view the list opens with. */
export const DEFAULT_VIEW: ViewName = 'all_open'

export function emptyFilters(): ListFilters {
  return { status: [], type: [], category: [], priority: [], sla_state: [], assignee: '', group: '', submitter: null, created: null, updated: null, escalation_level: null, q: '', sort: '-created_at' }
}

export function viewFilters(view: ViewName): ListFilters {
  const base = emptyFilters()
  switch (view) {
    case 'my_open':
      return { ...base, status: [...OPEN_STATUSES], assignee: 'me', sort: 'sla_due' }
    case 'unassigned':
      return { ...base, status: ['pending', 'processing'], assignee: 'none', sort: 'sla_due' }
    case 'at_risk':
      return { ...base, status: [...OPEN_STATUSES], sla_state: ['at_risk'], sort: 'sla_due' }
    case 'breached':
      return { ...base, status: [...OPEN_STATUSES], sla_state: ['breached'], sort: 'sla_due' }
    case 'awaiting_customer':
      return { ...base, status: ['awaiting_user'], sort: '-updated_at' }
    case 'all_open':
      return { ...base, status: [...OPEN_STATUSES] }
  }
}

export function toQuery(filters: ListFilters): Record<string, string | number | string[] | undefined> {
  return {
    status: filters.status,
    type: filters.type,
    category: filters.category,
    priority: filters.priority,
    sla_state: filters.sla_state,
    assignee: filters.assignee || undefined,
    group: filters.group || undefined,
    submitter: filters.submitter?.id,
    created_from: filters.created?.[0],
    created_to: filters.created?.[1],
    updated_from: filters.updated?.[0],
    updated_to: filters.updated?.[1],
    escalation_level: filters.escalation_level ?? undefined,
    q: filters.q.trim() || undefined,
    sort: filters.sort,
  }
}

function within(values: string[], value: string): boolean {
  return values.length === 0 || values.includes(value)
}

function inRange(range: DateRange | null, at: string): boolean {
  if (!range) return true
  const instant = Date.parse(at)
  return instant >= Date.parse(range[0]) && instant < Date.parse(range[1])
}

/** Whether a ticket belongs in a list with these filters (the API's own rules). */
export function matches(ticket: Ticket, filters: ListFilters, myId: string | undefined): boolean {
  if (!within(filters.status, ticket.status)) return false
  if (!within(filters.type, ticket.type)) return false
  if (!within(filters.category, ticket.category)) return false
  if (!within(filters.priority, ticket.priority)) return false
  if (!within(filters.sla_state, ticket.sla.state)) return false
  if (filters.assignee === 'me' && ticket.assignee?.id !== myId) return false
  if (filters.assignee === 'none' && ticket.assignee !== null) return false
  if (!['', 'me', 'none'].includes(filters.assignee) && ticket.assignee?.id !== filters.assignee) return false
  if (filters.group && ticket.group !== filters.group && !ticket.collaborator_groups.includes(filters.group)) return false
  if (filters.submitter && ticket.submitter?.id !== filters.submitter.id) return false
  if (!inRange(filters.created, ticket.created_at) || !inRange(filters.updated, ticket.updated_at)) return false
  if (filters.escalation_level !== null && ticket.escalation_level !== filters.escalation_level) return false
  const q = filters.q.trim()
  if (q) {
    if (/^#\d+$/.test(q)) return ticket.number === Number(q.slice(1))
    const needle = q.toLowerCase()
    return ticket.title.toLowerCase().includes(needle) || ticket.description.toLowerCase().includes(needle)
  }
  return true
}

const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 }

function sortKey(ticket: Ticket, field: string): number {
  switch (field) {
    case 'created_at':
      return Date.parse(ticket.created_at)
    case 'updated_at':
      return Date.parse(ticket.updated_at)
    case 'number':
      return ticket.number
    case 'priority':
      return PRIORITY_RANK[ticket.priority] ?? 9
    case 'sla_due': {
      const due = ticket.sla.response.due_at ?? ticket.sla.resolution.due_at
      return due ? Date.parse(due) : Number.MAX_SAFE_INTEGER
    }
    default:
      return 0
  }
}

/** Where a ticket goes in a list sorted by `sort`: the list's order, the ticket placed. */
export function placeIn(list: Ticket[], ticket: Ticket, sort: string): Ticket[] {
  const descending = sort.startsWith('-')
  const field = descending ? sort.slice(1) : sort
  const others = list.filter((row) => row.id !== ticket.id)
  const key = sortKey(ticket, field)
  const index = others.findIndex((row) => (descending ? sortKey(row, field) < key : sortKey(row, field) > key))
  return index === -1 ? [...others, ticket] : [...others.slice(0, index), ticket, ...others.slice(index)]
}
