import { describe, expect, it } from 'vitest'
import { notificationLink } from './links'

describe('notification links', () => {
  it('open the record, or the screen that handles it', () => {
    expect(notificationLink({ kind: 'customer_assigned', record: { kind: 'customer', id: 7 } })).toEqual({ path: '/crm/customers/7' })
    expect(notificationLink({ kind: 'lead_assigned', record: { kind: 'lead', id: 3 } })).toEqual({ path: '/crm/leads/3' })
    expect(notificationLink({ kind: 'transfer_requested', record: { kind: 'transfer_request', id: 2 } })).toEqual({ path: '/crm/my-day' })
    expect(notificationLink({ kind: 'handover_received', record: null })).toBe('/crm/customers')
    // a contact has no page of its own: it opens at its company, found by /crm/contacts/:id
    expect(notificationLink({ kind: 'customer_assigned', record: { kind: 'contact', id: 4 } })).toEqual({ path: '/crm/contacts/4' })
  })

  it('lead nowhere when the record may not be opened', () => {
    expect(notificationLink({ kind: 'customer_assigned', record: null })).toBe(null)
    expect(notificationLink({ kind: 'customer_assigned', record: { kind: 'no_such_kind', id: 1 } })).toBe(null)
  })
})
