import { describe, expect, it } from 'vitest'
import type { Proposal } from '@/api/finance'
import { checkMatch, matchInput, matchRows } from './allocation'

const usd = (amount: string) => ({ amount, currency: 'USD' })
const proposals: Proposal[] = [
  { order_id: 2, order_number: 'SO-2026-0002', instalment: 0, label: 'Deposit', due: '2026-12-02', outstanding: usd('576.00'), amount: usd('576.00'), reason: 'reference' },
  { order_id: 2, order_number: 'SO-2026-0002', instalment: 1, label: 'Balance', due: null, outstanding: usd('1344.00'), amount: usd('424.00'), reason: 'reference' },
]

describe('matching a receipt', () => {
  it('starts from Kontor’s proposals, all ticked', () => {
    const rows = matchRows(proposals)
    expect(rows.map((r) => [r.key, r.checked, r.amount])).toEqual([
      ['2:0', true, '576.00'],
      ['2:1', true, '424.00'],
    ])
    expect(checkMatch(rows, '1000.00', 'USD')).toEqual({ errors: {}, total: '1000.00', over: false, ok: true })
    expect(matchInput(rows)).toEqual([
      { order_id: 2, instalment: 0, amount: '576.00' },
      { order_id: 2, instalment: 1, amount: '424.00' },
    ])
  })

  it('refuses more than the instalment holds or the receipt has left', () => {
    const rows = matchRows(proposals)
    rows[0].amount = '600'
    expect(checkMatch(rows, '1000.00', 'USD').errors).toEqual({ '2:0': 'above_outstanding' })
    rows[0].amount = '576'
    rows[1].amount = '424.01'
    const c = checkMatch(rows, '1000.00', 'USD')
    expect(c).toMatchObject({ total: '1000.01', over: true, ok: false })
    rows[1].amount = '0'
    expect(checkMatch(rows, '1000.00', 'USD').errors).toEqual({ '2:1': 'amount' })
    rows[1].amount = '1.005'
    expect(checkMatch(rows, '1000.00', 'USD').errors).toEqual({ '2:1': 'decimals' })
  })

  it('sends only the ticked rows, as typed', () => {
    const rows = matchRows(proposals)
    rows[1].checked = false
    rows[0].amount = '５００'
    expect(checkMatch(rows, '1000.00', 'USD')).toMatchObject({ total: '500.00', ok: true })
    expect(matchInput(rows)).toEqual([{ order_id: 2, instalment: 0, amount: '500' }])
    rows[0].checked = false
    expect(checkMatch(rows, '1000.00', 'USD').ok).toBe(false)
  })
})
