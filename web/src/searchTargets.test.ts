import { describe, expect, it } from 'vitest'
import { searchTarget } from './searchTargets'
import type { SearchHit } from '@/api'

const hit = (h: Partial<SearchHit>): SearchHit => ({ kind: 'customer', id: 1, title: 't', subtitle: '', ...h })
const crm = ['crm.customers', 'crm.leads']

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
})
