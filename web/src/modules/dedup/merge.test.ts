import { describe, expect, it } from 'vitest'
import type { Customer } from '@/api/crm'
import { defaultSources, differingFields, fieldText, mergeFields } from './merge'

function c(id: number, over: Partial<Customer>): Customer {
  return {
    id,
    name: `C${id}`,
    name_alt: null,
    country: null,
    website: null,
    email: null,
    phone: null,
    tags: [],
    custom: {},
    ...over,
  } as unknown as Customer
}

describe('merge helpers', () => {
  it('shows fields as text', () => {
    expect(fieldText(c(1, { tags: ['a', 'b'] }), 'tags')).toBe('a, b')
    expect(fieldText(c(1, { custom: { x: '1' } }), 'custom')).toBe('x: 1')
    expect(fieldText(c(1, {}), 'email')).toBe('')
  })

  it('lists only the fields that differ', () => {
    const f = differingFields([c(1, { name: 'A', email: 'x@a.com' }), c(2, { name: 'A', email: 'y@a.com' })])
    expect(f).toEqual(['email'])
  })

  it('keeps the survivor’s values and fills its empty fields from another record', () => {
    const rs = [c(1, { name: 'A', phone: null }), c(2, { name: 'B', phone: '+49 1' })]
    const s = defaultSources(rs, 1)
    expect(s.name).toBe(1)
    expect(s.phone).toBe(2)
    expect(mergeFields(s, 1)).toEqual({ phone: 2 })
  })
})
