import { describe, expect, it } from 'vitest'
import { NAV, NAV_GROUPS, allowedItems, areaOf, canOpen, firstAllowedPath, landingPath, visibleMenu, type NavItem } from './nav'

const view = () => Promise.resolve({})

describe('navigation table', () => {
  it('shows only areas the server lists', () => {
    const menu = visibleMenu(['home', 'profile', 'admin.users', 'admin.audit'])
    expect(menu.map((g) => g.key)).toEqual(['main', 'admin'])
    expect(menu[1].items.map((i) => i.area)).toEqual(['admin.users', 'admin.audit'])
  })

  it('keeps the profile routed but out of the menu', () => {
    const menu = visibleMenu(['home', 'profile'])
    expect(menu.flatMap((g) => g.items.map((i) => i.area))).toEqual(['home'])
    expect(allowedItems(['home', 'profile']).map((i) => i.area)).toContain('profile')
  })

  it('hides areas that are allowed but not built yet (never a dead link)', () => {
    const table: NavItem[] = [
      { area: 'home', group: 'main', path: '/', label: 'h', view },
      { area: 'crm.customers', group: 'crm', path: '/crm/customers', label: 'c' },
      { area: 'crm.leads', group: 'crm', path: '/crm/leads', label: 'l', view },
    ]
    const menu = visibleMenu(['home', 'crm.customers', 'crm.leads'], table)
    expect(menu.map((g) => g.key)).toEqual(['main', 'crm'])
    expect(menu[1].items.map((i) => i.area)).toEqual(['crm.leads'])
    expect(visibleMenu(['home', 'crm.customers'], table).map((g) => g.key)).toEqual(['main'])
  })

  it('lists the admin areas of the foundation, the API reference as an outside link', () => {
    const all = ['home', 'profile', 'admin.users', 'admin.teams', 'admin.roles', 'admin.permissions',
      'admin.recycle_bin', 'admin.audit', 'admin.company', 'admin.backups', 'admin.api_docs']
    const admin = visibleMenu(all).find((g) => g.key === 'admin')!
    expect(admin.items).toHaveLength(9)
    expect(admin.items.at(-1)!.href).toBe('/api-docs.html')
  })

  it('shows nothing for unknown areas and an empty list', () => {
    expect(visibleMenu([])).toEqual([])
    expect(visibleMenu(['no.such.area'])).toEqual([])
  })

  it('every item belongs to a group and areas are unique', () => {
    const groups = new Set(NAV_GROUPS.map((g) => g.key))
    for (const i of NAV) expect(groups.has(i.group)).toBe(true)
    expect(new Set(NAV.map((i) => i.area)).size).toBe(NAV.length)
    expect(new Set(NAV.map((i) => i.path)).size).toBe(NAV.length)
  })

  it('guards routes by area and finds a landing page', () => {
    expect(canOpen(['home'], 'admin.users')).toBe(false)
    expect(canOpen(['admin.users'], 'admin.users')).toBe(true)
    expect(canOpen([], undefined)).toBe(true)
    expect(firstAllowedPath(['admin.audit'])).toBe('/admin/audit')
    expect(firstAllowedPath(['home', 'admin.audit'])).toBe('/')
    expect(firstAllowedPath(['admin.api_docs'])).toBe(null)
  })

  it('builds exactly the CRM areas the server sends', () => {
    const crm = ['crm.my_day', 'crm.customers', 'crm.import', 'crm.pool', 'crm.leads', 'crm.opportunities', 'crm.handover', 'crm.settings']
    const group = visibleMenu(['home', ...crm]).find((g) => g.key === 'crm')!
    // Duplicates has no area of its own: customers opens it.
    const withCustomers = ['crm.my_day', 'crm.customers', 'crm.duplicates', 'crm.import', 'crm.pool', 'crm.leads', 'crm.opportunities', 'crm.handover', 'crm.settings']
    expect(group.items.map((i) => i.area)).toEqual(withCustomers)
    expect([...new Set(NAV.filter((i) => i.group === 'crm').map(areaOf))].sort()).toEqual([...crm].sort())
    // a rep without import, handover and settings: no Import menu (the server would refuse it)
    const rep = visibleMenu(['home', 'crm.my_day', 'crm.customers', 'crm.pool', 'crm.leads', 'crm.opportunities'])
    expect(rep.find((g) => g.key === 'crm')!.items.map((i) => i.area)).toEqual([
      'crm.my_day',
      'crm.customers',
      'crm.duplicates',
      'crm.pool',
      'crm.leads',
      'crm.opportunities',
    ])
    expect(canOpen(['crm.customers'], 'crm.import')).toBe(false)
    // without customers, no duplicates
    const noCustomers = visibleMenu(['home', 'crm.my_day', 'crm.leads'])
    expect(noCustomers.find((g) => g.key === 'crm')!.items.map((i) => i.area)).toEqual(['crm.my_day', 'crm.leads'])
  })

  it('shows sales and finance by the areas the server gives; payment terms go with the rates', () => {
    const finance = visibleMenu(['home', 'sales.quotations', 'sales.orders', 'finance.receipts', 'finance.receivables', 'finance.rates'])
    expect(finance.find((g) => g.key === 'sales')!.items.map((i) => i.area)).toEqual(['sales.quotations', 'sales.orders'])
    expect(finance.find((g) => g.key === 'finance')!.items.map((i) => i.area)).toEqual(['finance.receipts', 'finance.receivables', 'finance.rates', 'finance.terms'])
    // A merchandiser: orders, no finance.
    const merch = visibleMenu(['home', 'sales.products', 'sales.quotations', 'sales.orders'])
    expect(merch.find((g) => g.key === 'finance')).toBeUndefined()
    expect(canOpen(['finance.receipts'], areaOf(NAV.find((i) => i.area === 'finance.terms')!))).toBe(false)
  })

  it('lands on My day for users who have it, else home', () => {
    expect(landingPath(['home', 'crm.my_day', 'crm.customers'])).toBe('/crm/my-day')
    expect(landingPath(['home', 'admin.users'])).toBe('/')
  })
})
