import { describe, expect, it } from 'vitest'
import { openableKinds, searchTarget } from './searchTargets'
import type { SearchHit } from '@/api'
import type { KindInfo } from '@/api/kinds'
import KINDS from './modules/kinds.fixture.json'
import { NOT_YET_OPENED } from './modules'

const hit = (h: Partial<SearchHit>): SearchHit => ({ kind: 'customer', id: 1, title: 't', subtitle: '', ...h })
const crm = ['crm.customers', 'crm.leads', 'crm.opportunities', 'crm.my_day']

describe('search targets', () => {
  it('opens a contact at its company', () => {
    const contact = hit({ kind: 'contact', id: 7, parent: { kind: 'customer', id: 3, title: 'Brandt Trading GmbH' } })
    expect(searchTarget(contact, crm)).toEqual({ path: '/crm/customers/3' })
    expect(searchTarget({ ...contact, parent: null }, crm)).toEqual({ path: '/crm/contacts/7' })
    expect(searchTarget(contact, ['admin.users'])).toBeNull()
  })

  it('opens a timeline entry at its customer or lead', () => {
    const onCustomer = hit({ kind: 'activity', id: 9, parent: { kind: 'customer', id: 3, title: 'Brandt' } })
    expect(searchTarget(onCustomer, crm)).toEqual({ path: '/crm/customers/3' })
    const onLead = hit({ kind: 'activity', id: 9, parent: { kind: 'lead', id: 4, title: 'Lead Co' } })
    expect(searchTarget(onLead, crm)).toEqual({ path: '/crm/leads/4' })
    expect(searchTarget(onLead, ['crm.customers'])).toBeNull()
    expect(searchTarget(hit({ kind: 'activity', id: 9 }), crm)).toBeNull()
  })

  it('opens an opportunity on its customer, a task where it belongs', () => {
    const opp = hit({ kind: 'opportunity', id: 5, parent: { kind: 'customer', id: 3, title: 'Brandt' } })
    expect(searchTarget(opp, crm)).toEqual({ path: '/crm/customers/3', query: { tab: 'opportunities' } })
    expect(searchTarget({ ...opp, parent: null }, crm)).toEqual({ path: '/crm/opportunities' })
    expect(searchTarget({ ...opp, parent: null }, ['crm.customers'])).toBeNull()
    const task = hit({ kind: 'task', id: 6, parent: { kind: 'lead', id: 4, title: 'Lead Co' } })
    expect(searchTarget(task, crm)).toEqual({ path: '/crm/leads/4' })
    expect(searchTarget({ ...task, parent: { kind: 'customer', id: 3, title: 'B' } }, crm)).toEqual({ path: '/crm/customers/3' })
    expect(searchTarget({ ...task, parent: null }, crm)).toEqual({ path: '/crm/my-day' })
  })

  it('opens users, teams and roles in the administration', () => {
    const areas = ['admin.users', 'admin.teams', 'admin.roles']
    expect(searchTarget(hit({ kind: 'user', id: 2, title: 'li.wei' }), areas)).toEqual({ path: '/admin/users', query: { q: 'li.wei', open: '2' } })
    expect(searchTarget(hit({ kind: 'role', id: 8 }), areas)).toEqual({ path: '/admin/roles/8' })
    expect(searchTarget(hit({ kind: 'no_such_kind' }), areas)).toBeNull()
  })

  it('opens quotations and orders on their pages, for those who may open them', () => {
    expect(searchTarget(hit({ kind: 'quotation', id: 4, title: 'QT-2026-0004' }), ['sales.quotations'])).toEqual({ path: '/sales/quotations/4' })
    expect(searchTarget(hit({ kind: 'sales_order', id: 9, title: 'SO-2026-0009' }), ['sales.orders'])).toEqual({ path: '/sales/orders/9' })
    expect(searchTarget(hit({ kind: 'sales_order', id: 9 }), ['sales.quotations'])).toBeNull()
    expect(searchTarget(hit({ kind: 'receipt', id: 3 }), ['finance.receipts'])).toEqual({ path: '/finance/receipts/3' })
  })

  it('opens a product on its page, for those who may open products', () => {
    const product = hit({ kind: 'product', id: 12, title: 'LED-100 LED downlight' })
    expect(searchTarget(product, ['sales.products'])).toEqual({ path: '/sales/products/12' })
    expect(searchTarget(product, crm)).toBeNull()
  })

  // The server's kinds (GET /api/v1/kinds, recorded in modules/kinds.fixture.json; e2e/modules.spec.ts
  // asks the running server the same).
  it('has a target for every kind the server finds, and none for a kind the server does not have', () => {
    const kinds = KINDS as KindInfo[]
    const searchable = kinds.filter((k) => k.searchable).map((k) => k.kind)
    expect(searchable.length).toBeGreaterThan(0)
    expect(searchable.filter((k) => !openableKinds().includes(k) && !NOT_YET_OPENED.includes(k))).toEqual([])
    const known = new Set(kinds.map((k) => k.kind))
    expect(openableKinds().filter((k) => !known.has(k))).toEqual([])
    // The list of kinds not opened yet only shrinks: each is a searchable kind without a target.
    expect(NOT_YET_OPENED.filter((k) => openableKinds().includes(k) || !searchable.includes(k))).toEqual([])
  })
})
