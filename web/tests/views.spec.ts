import { describe, expect, it } from 'vitest'

import type { Ticket } from '../src/api/types'
import { emptyFilters, matches, placeIn, viewFilters } from '../src/lib/views'

function ticket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    id: 't1',
    number: 7,
    title: 'Cannot log in',
    description: 'since this morning',
    type: 'account',
    category: 'login',
    priority: 'normal',
    status: 'pending',
    submitter: { id: 'c1', name: 'Alice' },
    assignee: null,
    group: 'frontline',
    escalation_level: 0,
    collaborator_groups: [],
    order_id: null,
    attachment_ids: [],
    created_at: '2026-12-01T08:00:00Z',
    updated_at: '2026-12-01T08:00:00Z',
    first_response_at: null,
    resolved_at: null,
    closed_at: null,
    close_reason: null,
    merged_into: null,
    rating: null,
    sla: {
      state: 'on_track',
      paused: false,
      paused_seconds: 0,
      response: { due_at: '2026-12-01T09:00:00Z', state: 'on_track' },
      resolution: { due_at: '2026-12-02T08:00:00Z', state: 'on_track' },
    },
    first_response_seconds: null,
    resolution_seconds: null,
    ...overrides,
  }
}

describe('views', () => {
  it('unassigned holds an unassigned pending ticket, not an assigned one', () => {
    expect(matches(ticket(), viewFilters('unassigned'), 'a1')).toBe(true)
    expect(matches(ticket({ assignee: { id: 'a1', name: 'Ann' } }), viewFilters('unassigned'), 'a1')).toBe(false)
  })
  it('my open is what is assigned to me and open', () => {
    const mine = ticket({ assignee: { id: 'a1', name: 'Ann' }, status: 'processing' })
    expect(matches(mine, viewFilters('my_open'), 'a1')).toBe(true)
    expect(matches(mine, viewFilters('my_open'), 'a2')).toBe(false)
    expect(matches({ ...mine, status: 'closed' }, viewFilters('my_open'), 'a1')).toBe(false)
  })
  it('breached follows the SLA state', () => {
    const late = ticket({ sla: { ...ticket().sla, state: 'breached' } })
    expect(matches(late, viewFilters('breached'), undefined)).toBe(true)
    expect(matches(ticket(), viewFilters('breached'), undefined)).toBe(false)
  })
  it('text search matches title, description or #number', () => {
    expect(matches(ticket(), { ...emptyFilters(), q: 'LOG IN' }, undefined)).toBe(true)
    expect(matches(ticket(), { ...emptyFilters(), q: 'morning' }, undefined)).toBe(true)
    expect(matches(ticket(), { ...emptyFilters(), q: '#7' }, undefined)).toBe(true)
    expect(matches(ticket(), { ...emptyFilters(), q: '#8' }, undefined)).toBe(false)
  })
})

describe('placeIn', () => {
  const a = ticket({ id: 'a', created_at: '2026-12-01T10:00:00Z' })
  const b = ticket({ id: 'b', created_at: '2026-12-01T09:00:00Z' })
  it('puts a new ticket where the sort says', () => {
    const c = ticket({ id: 'c', created_at: '2026-12-01T09:30:00Z' })
    expect(placeIn([a, b], c, '-created_at').map((t) => t.id)).toEqual(['a', 'c', 'b'])
    expect(placeIn([b, a], c, 'created_at').map((t) => t.id)).toEqual(['b', 'c', 'a'])
  })
  it('replaces a changed ticket instead of adding it twice', () => {
    const changed = { ...b, title: 'changed' }
    const list = placeIn([a, b], changed, '-created_at')
    expect(list.map((t) => t.id)).toEqual(['a', 'b'])
    expect(list[1]?.title).toBe('changed')
  })
})
