import { describe, expect, it } from 'vitest'

import type { Ticket } from '../src/api/types'
import { dayRange, rangeDays } from '../src/lib/dates'
import { emptyFilters, matches, placeIn, toQuery, viewFilters } from '../src/lib/views'

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

describe('filters on every column', () => {
  it('an agent, a group (collaborating too) and a submitter', () => {
    const held = ticket({ assignee: { id: 'a2', name: 'Bo' }, collaborator_groups: ['technical_team'] })
    expect(matches(held, { ...emptyFilters(), assignee: 'a2' }, 'a1')).toBe(true)
    expect(matches(held, { ...emptyFilters(), assignee: 'a3' }, 'a1')).toBe(false)
    expect(matches(held, { ...emptyFilters(), group: 'frontline' }, 'a1')).toBe(true)
    expect(matches(held, { ...emptyFilters(), group: 'technical_team' }, 'a1')).toBe(true)
    expect(matches(held, { ...emptyFilters(), group: 'management' }, 'a1')).toBe(false)
    expect(matches(held, { ...emptyFilters(), submitter: { id: 'c1', name: 'Alice' } }, 'a1')).toBe(true)
    expect(matches(held, { ...emptyFilters(), submitter: { id: 'c2', name: 'Bob' } }, 'a1')).toBe(false)
  })
  it('created and updated ranges hold their first instant, not their end', () => {
    const range: [string, string] = ['2026-12-01T08:00:00Z', '2026-12-01T09:00:00Z']
    expect(matches(ticket(), { ...emptyFilters(), created: range }, undefined)).toBe(true)
    expect(matches(ticket({ created_at: '2026-12-01T09:00:00Z' }), { ...emptyFilters(), created: range }, undefined)).toBe(false)
    expect(matches(ticket({ updated_at: '2026-12-01T07:59:59Z' }), { ...emptyFilters(), updated: range }, undefined)).toBe(false)
  })
  it('picked days become [first day, the day after the last) and back', () => {
    const range = dayRange([new Date(2026, 11, 1, 15), new Date(2026, 11, 3, 9)])
    expect(range).toEqual([new Date(2026, 11, 1).toISOString(), new Date(2026, 11, 4).toISOString()])
    expect(rangeDays(range)).toEqual([new Date(2026, 11, 1), new Date(2026, 11, 3)])
    expect(dayRange(null)).toBeNull()
  })
  it('the query carries them as the API names them', () => {
    const query = toQuery({ ...emptyFilters(), group: 'frontline', submitter: { id: 'c1', name: 'Alice' }, created: ['x', 'y'] })
    expect(query).toMatchObject({ group: 'frontline', submitter: 'c1', created_from: 'x', created_to: 'y', updated_from: undefined })
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
