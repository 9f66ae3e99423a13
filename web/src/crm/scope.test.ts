import { describe, expect, it } from 'vitest'
import { atLeast, listScopes } from './scope'

describe('crm scopes', () => {
  it('offers team and all only when the role reaches them', () => {
    expect(listScopes('own')).toEqual(['mine'])
    expect(listScopes('team')).toEqual(['mine', 'team'])
    expect(listScopes('all')).toEqual(['mine', 'team', 'all'])
    expect(atLeast('none', 'own')).toBe(false)
    expect(atLeast('all', 'team')).toBe(true)
  })
})
