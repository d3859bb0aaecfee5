import { describe, expect, it } from 'vitest'

import { categoriesOf, searchable, TICKET_TYPES } from '../src/lib/search'

describe('searchable', () => {
  it.each([
    ['忘', false],
    ['忘了', true],
    ['  密码 ', true],
    ['pa', false],
    ['pas', true],
    ['  ab ', false],
  ])('%j is %s', (text, expected) => {
    expect(searchable(text)).toBe(expected)
  })
})

describe('vocabulary', () => {
  it('names the five types of SPEC A3 with their categories', () => {
    expect(TICKET_TYPES).toEqual(['technical', 'account', 'order', 'product', 'complaint'])
    expect(categoriesOf('account')).toContain('password_reset')
    expect(categoriesOf('nonsense')).toEqual([])
  })
})
