import { describe, expect, it } from 'vitest'
import { formToTrigger, triggerToForm } from './cadence'

describe('cadence triggers', () => {
  it('round-trips every trigger shape the server sends', () => {
    for (const t of [
      'new_customer',
      'after_deal',
      'dormant',
      { activity: { kind: 'sample' } },
      { annual_purchases_over: { amount: '1000000' } },
    ] as const) {
      expect(formToTrigger(triggerToForm(t))).toEqual(t)
    }
  })
  it('reads the kind and its parameter', () => {
    expect(triggerToForm({ activity: { kind: 'quotation' } })).toMatchObject({ kind: 'activity', activity: 'quotation' })
    expect(triggerToForm({ annual_purchases_over: { amount: '5000' } })).toMatchObject({ kind: 'annual_purchases_over', amount: '5000' })
    expect(formToTrigger({ kind: 'annual_purchases_over', activity: 'email', amount: ' 200 ' })).toEqual({ annual_purchases_over: { amount: '200' } })
  })
})
