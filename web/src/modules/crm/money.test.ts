import { describe, expect, it } from 'vitest'
import { formatMoney, fromScaled, sumByCurrency, toScaled } from './money'

describe('money', () => {
  it('parses and prints decimal strings exactly', () => {
    expect(toScaled('14598')).toBe(145980000n)
    expect(toScaled('3.25')).toBe(32500n)
    expect(toScaled('-1.5')).toBe(-15000n)
    expect(toScaled('abc')).toBeNull()
    expect(toScaled(null)).toBeNull()
    expect(fromScaled(32500n)).toBe('3.25')
    expect(fromScaled(145980000n)).toBe('14598')
  })
  it('sums per currency', () => {
    expect(sumByCurrency([
      { amount: '1.10', currency: 'USD' },
      { amount: '2.20', currency: 'USD' },
      { amount: '5', currency: 'CNY' },
    ])).toEqual([{ currency: 'CNY', amount: '5' }, { currency: 'USD', amount: '3.3' }])
  })
  it('shows the currency code', () => {
    expect(formatMoney('14598', 'USD', 'en')).toMatch(/USD\s?14,598\.00/)
    expect(formatMoney(null, 'USD', 'en')).toBe('')
    expect(formatMoney('1200000', 'EUR', 'zh-CN', true)).toContain('EUR')
  })
})
