import { describe, expect, it } from 'vitest'
import type { Product, Quotation } from '@/api/sales'
import { blankLine, blankQuote, changeCurrency, checkQuote, lineAmounts, productLine, quoteInput, quoteToForm, quoteTotal } from './quoteForm'

const led: Product = {
  id: 1,
  sku: 'LED-100',
  name: 'LED 筒灯',
  name_zh: 'LED 筒灯',
  name_en: 'LED downlight',
  unit: 'pcs',
  prices: [
    { amount: '3.20', currency: 'USD' },
    { amount: '2.95', currency: 'EUR' },
  ],
} as Product

describe('the quotation editor', () => {
  it('fills a product line from the catalogue in the quotation’s currency and language', () => {
    const row = productLine(led, 'USD', 'both')
    expect(row).toMatchObject({ product_id: 1, sku: 'LED-100', description: 'LED downlight / LED 筒灯', unit: 'pcs', unit_price: '3.20' })
    expect(productLine(led, 'EUR', 'zh')).toMatchObject({ description: 'LED 筒灯', unit_price: '2.95' })
    expect(productLine(led, 'GBP', 'en').unit_price).toBe('')
  })

  it('totals live exactly as the server: each line rounded, the total their sum', () => {
    const form = blankQuote('USD', '2026-12-07')
    form.lines.push({ ...productLine(led, 'USD', 'en'), quantity: '500' })
    form.lines.push({ ...blankLine(), description: 'Sample freight', quantity: '1', unit_price: '85.555', discount: '10' })
    expect(lineAmounts(form)).toEqual(['1600.00', '77.00'])
    expect(quoteTotal(form)).toBe('1677.00')
    form.lines.push({ ...blankLine(), description: 'Half typed', quantity: '2', unit_price: '' })
    expect(lineAmounts(form)[2]).toBeNull()
    expect(quoteTotal(form)).toBe('1677.00')
  })

  it('takes the product’s price in another currency unless it was typed over', () => {
    const form = blankQuote('USD', '2026-12-07')
    form.lines.push({ ...productLine(led, 'USD', 'en'), quantity: '10' })
    form.lines.push({ ...productLine(led, 'USD', 'en'), quantity: '10', unit_price: '3.00', price_typed: true })
    changeCurrency(form, 'EUR')
    expect(form.lines.map((r) => r.unit_price)).toEqual(['2.95', '3.00'])
    expect(quoteTotal(form)).toBe('59.50')
    changeCurrency(form, 'JPY')
    expect(form.lines[0].unit_price).toBe('')
  })

  it('says what is missing or wrong, under the fields the server names', () => {
    const form = blankQuote('USD', '2026-12-07')
    expect(checkQuote(form, '2026-12-07')).toEqual({ customer_id: 'customer_required', lines: 'lines_required' })
    form.customer_id = 293
    form.valid_until = '2026-12-01'
    form.lines.push({ ...blankLine(), quantity: '0', unit_price: 'abc', discount: '100' })
    expect(checkQuote(form, '2026-12-07')).toEqual({
      valid_until: 'valid_until_past',
      'lines[0].description': 'description_required',
      'lines[0].quantity': 'positive',
      'lines[0].unit_price': 'positive',
      'lines[0].discount_percent': 'discount',
    })
    form.valid_until = '2027-01-06'
    form.lines[0] = { ...form.lines[0], description: 'x', quantity: '１０', unit_price: '2.5', discount: '99.5' }
    expect(checkQuote(form, '2026-12-07')).toEqual({})
  })

  it('sends what the server takes: the picker’s name as none, numbers as typed', () => {
    const form = blankQuote('USD', '2026-12-07')
    form.customer_id = 293
    form.payment_terms_id = 1
    form.lines.push({ ...productLine(led, 'USD', 'en'), quantity: '500' })
    form.lines.push({ ...productLine(led, 'USD', 'en'), description: 'LED downlight, warm white', quantity: '１００', discount: '5' })
    const input = quoteInput(form)
    expect(input).toMatchObject({ customer_id: 293, currency: 'USD', incoterm: 'FOB', payment_terms_id: 1, valid_until: '2027-01-06' })
    expect(input.lines).toEqual([
      { product_id: 1, description: null, quantity: '500', unit: 'pcs', unit_price: '3.20', discount_percent: null },
      { product_id: 1, description: 'LED downlight, warm white', quantity: '100', unit: 'pcs', unit_price: '3.20', discount_percent: '5' },
    ])
    // A change names no customer (it cannot change) and carries the version.
    const patch = quoteInput(form, 4)
    expect(patch.customer_id).toBeUndefined()
    expect(patch.version).toBe(4)
  })

  it('shows a stored quotation again, its lines as they were', () => {
    const q = {
      id: 1,
      customer_id: 293,
      body: {
        date: '2026-12-07',
        currency: 'USD',
        lang: 'both',
        incoterm: 'FOB',
        named_place: 'Ningbo',
        valid_until: '2027-01-06',
        payment_terms_id: 1,
        lines: [{ product_id: 1, sku: 'LED-100', description: 'LED downlight / LED 筒灯', quantity: '600', unit: 'pcs', unit_price: '3.20', amount: '1920.00', discount_percent: null }],
      },
    } as unknown as Quotation
    const form = quoteToForm(q)
    expect(form).toMatchObject({ customer_id: 293, currency: 'USD', lang: 'both', named_place: 'Ningbo', payment_terms_id: 1 })
    expect(form.lines[0]).toMatchObject({ product_id: 1, quantity: '600', unit_price: '3.20', price_typed: true, discount: '' })
    expect(quoteTotal(form)).toBe('1920.00')
  })
})
