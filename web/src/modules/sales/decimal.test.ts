import { describe, expect, it } from 'vitest'
import {
  cbmOf,
  compareDecimals,
  fitsCurrency,
  formatPrice,
  isDecimal,
  isWholeNumber,
  lineAmount,
  minorUnits,
  moneyTotal,
  normalizeDecimal,
  roundMoney,
  signOf,
  subtractDecimals,
  sumDecimals,
} from './decimal'

describe('decimal strings', () => {
  it('reads what a Chinese input method types', () => {
    expect(normalizeDecimal('１２．５')).toBe('12.5')
    expect(normalizeDecimal(' 3.20 ')).toBe('3.20')
    expect(normalizeDecimal('1 000')).toBe('1000')
    expect(normalizeDecimal('３。５')).toBe('3.5')
  })

  it('takes plain non-negative decimals only', () => {
    for (const ok of ['0', '12', '3.20', '0.0725']) expect(isDecimal(ok), ok).toBe(true)
    for (const bad of ['', '-1', '1.', '.5', '1,5', '1e3', 'abc', '1.2.3']) expect(isDecimal(bad), bad).toBe(false)
    expect(isWholeNumber('50')).toBe(true)
    expect(isWholeNumber('5.0')).toBe(false)
    expect(isWholeNumber('1234567890')).toBe(false)
  })
})

describe('CBM', () => {
  it('is l × w × h / 1,000,000 to four places, as the server says', () => {
    expect(cbmOf(['60', '40', '30'])).toBe('0.072')
    expect(cbmOf(['60.0', '40.00', '30'])).toBe('0.072')
    expect(cbmOf(['45.5', '32.5', '28'])).toBe('0.0414') // 0.041405
    expect(cbmOf(['10', '10', '15'])).toBe('0.0015')
    expect(cbmOf(['12.5', '10', '10'])).toBe('0.0013') // 0.00125: half away from zero
    expect(cbmOf(['120', '100', '100'])).toBe('1.2')
  })

  it('is not computed from a partial or wrong size', () => {
    expect(cbmOf(['60', '', '30'])).toBeNull()
    expect(cbmOf(['60', 'x', '30'])).toBeNull()
    expect(cbmOf(['60', '40'])).toBeNull()
  })

  it('does not lose digits a float would', () => {
    // 0.1 × 0.2 × 0.3 cm³ is 6e-9 m³: rounds to 0; 333.3³ cm³ is 37.025927037 m³.
    expect(cbmOf(['0.1', '0.2', '0.3'])).toBe('0')
    expect(cbmOf(['333.3', '333.3', '333.3'])).toBe('37.0259')
  })
})

describe('prices', () => {
  it('show the currency and every decimal the amount has', () => {
    expect(formatPrice('3.2', 'USD', 'en')).toMatch(/^USD\s3\.20$/)
    expect(formatPrice('0.0725', 'USD', 'en')).toMatch(/^USD\s0\.0725$/)
    expect(formatPrice('14598', 'CNY', 'zh-CN')).toMatch(/^CNY\s14,598\.00$/)
    expect(formatPrice('1200', 'JPY', 'en')).toMatch(/^JPY\s1,200$/)
  })

  it('keeps amounts beyond what a float holds', () => {
    expect(formatPrice('12345678901234567.89', 'USD', 'en')).toMatch(/12,345,678,901,234,567\.89$/)
  })

  it('shows something readable for what is not a number', () => {
    expect(formatPrice('', 'USD', 'en')).toBe('')
    expect(formatPrice(null, 'USD', 'en')).toBe('')
    expect(formatPrice('abc', 'USD', 'en')).toBe('USD abc')
  })
})

describe('line amounts and totals, as the server computes them', () => {
  // The same table as src/domain/sales/lines.rs `line_amounts_round_each_line_and_the_total_is_their_sum`.
  const table: [string, string, string | null, string, string][] = [
    ['500', '12.345', null, 'USD', '6172.50'],
    ['3', '0.333', null, 'USD', '1.00'],
    ['1000', '2.50', '5', 'USD', '2375.00'],
    ['7', '1.005', '10', 'USD', '6.33'],
    ['12', '1234.5', null, 'JPY', '14814'],
    ['1', '99.99', '33.3', 'USD', '66.69'],
  ]
  it.each(table)('%s × %s − %s%% in %s is %s', (q, price, disc, cur, want) => {
    expect(lineAmount(q, price, disc, cur)).toBe(want)
  })

  it('rounds each line half away from zero to the currency’s smallest unit', () => {
    expect(lineAmount('1', '85.555', '10', 'USD')).toBe('77.00') // 76.9995
    expect(lineAmount('1', '0.005', null, 'USD')).toBe('0.01')
    expect(lineAmount('1', '0.0049', null, 'USD')).toBe('0.00')
    expect(lineAmount('3', '0.5', null, 'JPY')).toBe('2') // 1.5
    expect(lineAmount('500', '3.20', '', 'USD')).toBe('1600.00')
    expect(lineAmount('２', '３．５', null, 'USD')).toBe('7.00')
  })

  it('is exact where a float is not', () => {
    // 0.1 × 3 is 0.30000000000000004 as floats; 1.015 × 1 rounds up to 1.02 (a float says 1.01).
    expect(lineAmount('3', '0.1', null, 'USD')).toBe('0.30')
    expect(lineAmount('1', '1.015', null, 'USD')).toBe('1.02')
    expect(lineAmount('1000000000', '999999.99', null, 'USD')).toBe('999999990000000.00')
  })

  it('is not computed from a missing or wrong figure', () => {
    expect(lineAmount('', '3.20', null, 'USD')).toBeNull()
    expect(lineAmount('10', 'abc', null, 'USD')).toBeNull()
    expect(lineAmount('10', '3.20', 'x', 'USD')).toBeNull()
    expect(lineAmount('-1', '3.20', null, 'USD')).toBeNull()
  })

  it('totals the rounded lines', () => {
    const lines = [lineAmount('500', '3.20', null, 'USD'), lineAmount('1', '85.555', '10', 'USD')]
    expect(moneyTotal(lines, 'USD')).toBe('1677.00')
    // Three lines of 1/3 cent each round to 0.00 apiece: the total is their sum, not 1 cent.
    expect(moneyTotal(['0.00', '0.00', '0.00'], 'USD')).toBe('0.00')
    expect(moneyTotal([null, '1.10', '2.205'], 'USD')).toBe('3.31')
    expect(moneyTotal([], 'JPY')).toBe('0')
  })
})

describe('money sums and signs', () => {
  it('adds, subtracts and compares exactly', () => {
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.3')
    expect(sumDecimals(['576.00', '1344.00'])).toBe('1920.00')
    expect(sumDecimals(['57.60', '-72.00'])).toBe('-14.40')
    expect(sumDecimals(['1', 'x'])).toBeNull()
    expect(subtractDecimals('1920.00', '576')).toBe('1344')
    expect(subtractDecimals('0.3', '0.1')).toBe('0.2')
    expect(compareDecimals('576.00', '576')).toBe(0)
    expect(compareDecimals('576.01', '576')).toBe(1)
    expect(compareDecimals('-1', '0')).toBe(-1)
    expect(signOf('-0.00')).toBe(0)
    expect(signOf('-57.6')).toBe(-1)
  })

  it('rounds to the currency and knows what a bank amount may have', () => {
    expect(minorUnits('USD')).toBe(2)
    expect(minorUnits('JPY')).toBe(0)
    expect(roundMoney('-0.005', 'USD')).toBe('-0.01')
    expect(roundMoney('13632', 'CNY')).toBe('13632.00')
    expect(fitsCurrency('566.00', 'USD')).toBe(true)
    expect(fitsCurrency('566.001', 'USD')).toBe(false)
    expect(fitsCurrency('1200.5', 'JPY')).toBe(false)
  })

  it('formats a loss with its sign and the currency’s decimals', () => {
    expect(formatPrice('-57.6', 'CNY', 'en')).toMatch(/^-CNY\s57\.60$/)
    expect(formatPrice('0', 'USD', 'en')).toMatch(/^USD\s0\.00$/)
    expect(formatPrice('13617.60', 'CNY', 'zh-CN')).toMatch(/^CNY\s13,617\.60$/)
  })
})
