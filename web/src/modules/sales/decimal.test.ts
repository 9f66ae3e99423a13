import { describe, expect, it } from 'vitest'
import { cbmOf, formatPrice, isDecimal, isWholeNumber, normalizeDecimal } from './decimal'

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
