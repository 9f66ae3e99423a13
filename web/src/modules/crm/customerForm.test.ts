import { describe, expect, it } from 'vitest'
import type { Customer } from '@/api/crm'
import { isContactField, blankContact, blankCustomer, contactInput, customerInput, customerPatch, customerToForm, formFieldOf, patchIsEmpty } from './customerForm'

const customer: Customer = {
  id: 5,
  name: 'Brandt Trading GmbH',
  name_alt: null,
  country: 'DE',
  country_name: 'Germany',
  time_zone: 'Europe/Berlin',
  local_time: null,
  address: null,
  website: 'www.brandt.example',
  email: null,
  phone: null,
  source: 'canton_fair',
  tier: 'A',
  tags: ['VIP'],
  owner: { id: 3, name: 'Li Na' },
  team_id: 1,
  pool_id: 1,
  in_pool: false,
  purchase_preferences: null,
  payment_behaviour: null,
  custom: {},
  status: 'prospect',
  locked: false,
  key_account: false,
  last_followup_at: null,
  last_deal_at: null,
  owned_since: null,
  annual_purchases: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 4,
}

describe('customer form', () => {
  it('sends a new customer with its contacts, blank rows left out, empty text as null', () => {
    const f = { ...blankCustomer(), name: '  Brandt GmbH ', country: 'DE', tags: ['VIP', ' '] }
    const c1 = { ...blankContact(), name: 'Klaus', role: 'buyer', emails: ['klaus@brandt.example', ''], phones: ['', '+49 30 1'] }
    const input = customerInput(f, [c1, blankContact(), { ...blankContact(), name: 'Petra' }])
    expect(input.name).toBe('Brandt GmbH')
    expect(input.website).toBeNull()
    expect(input.tags).toEqual(['VIP'])
    expect(input.owner_id).toBeUndefined()
    expect(input.contacts).toHaveLength(2)
    // positions are kept so a server error on phones[1] lands under the second phone box
    expect(input.contacts![0].phones).toEqual(['', '+49 30 1'])
    expect(input.contacts![0].emails).toEqual(['klaus@brandt.example'])
    expect(input.contacts![1].name).toBe('Petra')
  })

  it('maps a server field on the n-th sent contact back to the row on screen', () => {
    const rows = [{ ...blankContact(), name: 'A' }, blankContact(), { ...blankContact(), name: 'B' }]
    expect(formFieldOf('contacts[1].emails[0]', rows)).toBe('contacts[2].emails[0]')
    expect(formFieldOf('contacts[0].name', rows)).toBe('contacts[0].name')
    expect(formFieldOf('website', rows)).toBe('website')
  })

  it('patches only what changed, with the version read', () => {
    const f = customerToForm(customer)
    expect(patchIsEmpty(customerPatch(customer, f))).toBe(true)
    f.tier = 'B'
    f.website = ''
    f.tags = ['VIP', 'Messe 2026']
    f.key_account = true
    expect(customerPatch(customer, f)).toEqual({ version: 4, tier: 'B', website: '', tags: ['VIP', 'Messe 2026'], key_account: true })
    f.custom = [{ key: ' Incoterm ', value: 'FOB Ningbo' }, { key: '', value: 'dropped' }]
    expect(customerPatch(customer, f).custom).toEqual({ Incoterm: 'FOB Ningbo' })
  })

  it('keeps a contact version for an edit', () => {
    const c = contactInput({ ...blankContact(), version: 3, name: ' Anke ', birthday: '1980-05-01' })
    expect(c).toMatchObject({ version: 3, name: 'Anke', birthday: '1980-05-01', phones: [], emails: [] })
  })
})

describe('contact error fields', () => {
  it('knows which server fields have a place in the form', () => {
    expect(isContactField('emails[2]')).toBe(true)
    expect(isContactField('name')).toBe(true)
    expect(isContactField('emails')).toBe(false)
    expect(isContactField('contacts[1].phones[0]', 'contacts[1].')).toBe(true)
    expect(isContactField('contacts[1].emails', 'contacts[1].')).toBe(false)
  })
})
