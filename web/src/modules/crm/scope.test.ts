import { describe, expect, it } from 'vitest'
import type { Me } from '@/api'
import { atLeast, crmReaches, listScopes } from './scope'

const me = (id: number, crm: Record<string, string>) => ({ id, permissions: { grants: { crm }, hidden_fields: [] } }) as unknown as Me

describe('crm scopes', () => {
  it('offers team and all only when the role reaches them', () => {
    expect(listScopes('own')).toEqual(['mine'])
    expect(listScopes('team')).toEqual(['mine', 'team'])
    expect(listScopes('all')).toEqual(['mine', 'team', 'all'])
    expect(atLeast('none', 'own')).toBe(false)
    expect(atLeast('all', 'team')).toBe(true)
  })

  it('shows lock and delete only where the granted scope reaches the owner', () => {
    const rep = me(7, { read: 'own', update: 'own', delete: 'own' })
    expect(crmReaches(rep, 'delete_customer', 7)).toBe(false)
    expect(crmReaches(rep, 'lock', 7)).toBe(false)
    const senior = me(7, { lock: 'own', delete_customer: 'team' })
    expect(crmReaches(senior, 'lock', 7)).toBe(true)
    expect(crmReaches(senior, 'lock', 8)).toBe(false)
    expect(crmReaches(senior, 'lock', null)).toBe(false)
    expect(crmReaches(senior, 'delete_customer', 8)).toBe(true)
    const manager = me(1, { lock: 'all', delete_customer: 'all' })
    expect(crmReaches(manager, 'lock', null)).toBe(true)
    expect(crmReaches(null, 'lock', 1)).toBe(false)
  })
})
