import { describe, expect, it } from 'vitest'
import type { AgingRow } from '@/api/finance'
import { currenciesOf, totalsByCurrency } from './aging'

const m = (amount: string, currency: string) => ({ amount, currency })
const row = (key: number, name: string, c: string, current: string, d30: string, total: string): AgingRow => ({
  key,
  name,
  current: m(current, c),
  days_1_30: m(d30, c),
  days_31_60: m('0', c),
  days_61_90: m('0', c),
  over_90: m('0', c),
  total: m(total, c),
})

describe('receivables by age', () => {
  const rows = [row(1, 'Atlas', 'USD', '1344.00', '0', '1344.00'), row(2, 'Brandt', 'USD', '0.10', '0.20', '0.30'), row(1, 'Atlas', 'CNY', '20.00', '0', '20.00')]

  it('lists the currencies owed, the most rows first', () => {
    expect(currenciesOf(rows)).toEqual(['USD', 'CNY'])
    expect(currenciesOf([])).toEqual([])
    // A tie: the foreign currency before the base currency.
    expect(currenciesOf(rows.slice(0, 1).concat(rows.slice(2)), 'CNY')).toEqual(['USD', 'CNY'])
    expect(currenciesOf(rows.slice(0, 1).concat(rows.slice(2)), 'USD')).toEqual(['CNY', 'USD'])
  })

  it('totals each bucket per currency exactly', () => {
    const [cny, usd] = totalsByCurrency(rows)
    expect(cny).toMatchObject({ currency: 'CNY', current: m('20.00', 'CNY'), total: m('20.00', 'CNY') })
    expect(usd).toMatchObject({ currency: 'USD', current: m('1344.10', 'USD'), days_1_30: m('0.20', 'USD'), total: m('1344.30', 'USD') })
  })
})
