import { describe, expect, it } from 'vitest'
import type { Me } from '@/api'
import type { Product } from '@/api/sales'
import { blankProduct, checkForm, formField, nextCurrency, patchIsEmpty, productInput, productPatch, productToForm } from './productForm'
import { mayProducts, sees } from './access'

const ALL = { cost: true, supplier_prices: true }
const NONE = { cost: false, supplier_prices: false }

const led = (extra: Partial<Product> = {}): Product => ({
  id: 7,
  sku: 'LED-100',
  name: 'LED downlight',
  name_zh: 'LED 筒灯',
  name_en: 'LED downlight',
  specs: null,
  hs_code: '9405.11',
  unit: 'pcs',
  packing: { units_per_carton: 50, carton_cm: ['60', '40', '30'], gross_kg: '12.5', net_kg: '11' },
  cbm: '0.072',
  prices: [
    { amount: '3.20', currency: 'USD' },
    { amount: '2.95', currency: 'EUR' },
  ],
  cost: { amount: '14.80', currency: 'CNY' },
  supplier_prices: [{ supplier: '中山灯饰厂', price: { amount: '14.80', currency: 'CNY' }, moq: 1000, lead_days: 15 }],
  active: true,
  created_at: '2026-01-05T02:00:00Z',
  updated_at: '2026-01-05T02:00:00Z',
  version: 3,
  ...extra,
})

/** What a sales rep gets: the hidden keys are absent, not null. */
function asRep(p: Product): Product {
  const { cost: _c, supplier_prices: _s, ...rest } = p
  return rest as Product
}

describe('a new product', () => {
  it('is sent with its names, packing and prices; blank price rows are left out', () => {
    const f = blankProduct('CNY')
    Object.assign(f, { sku: ' LED-100 ', name_zh: 'LED 筒灯', hs_code: '9405.11', units_per_carton: '50', carton: ['60', '40', '３０'], gross_kg: '12.5' })
    f.prices = [{ amount: '3.20', currency: 'USD' }, { amount: '', currency: 'EUR' }]
    f.cost.amount = '14.80'
    expect(productInput(f, ALL)).toEqual({
      sku: 'LED-100',
      name_zh: 'LED 筒灯',
      name_en: null,
      specs: null,
      hs_code: '9405.11',
      unit: 'pcs',
      packing: { units_per_carton: 50, carton_cm: ['60', '40', '30'], gross_kg: '12.5', net_kg: null },
      prices: [{ amount: '3.20', currency: 'USD' }],
      active: true,
      cost: { amount: '14.80', currency: 'CNY' },
      supplier_prices: [],
    })
  })

  it('never carries a cost or supplier prices for a role that hides them', () => {
    const f = blankProduct()
    Object.assign(f, { sku: 'A-1', name_en: 'Bracket' })
    f.cost.amount = '9'
    f.supplier_prices = [{ supplier: 'X', amount: '1', currency: 'CNY', moq: '', lead_days: '' }]
    const input = productInput(f, NONE)
    expect('cost' in input || 'supplier_prices' in input).toBe(false)
  })

  it('offers the next price row in a currency not used yet', () => {
    expect(nextCurrency([{ amount: '', currency: 'USD' }])).toBe('EUR')
    expect(nextCurrency([])).toBe('USD')
  })
})

describe('a change', () => {
  it('sends only what changed, with the version read', () => {
    const p = led()
    const f = productToForm(p)
    expect(patchIsEmpty(productPatch(p, f, ALL))).toBe(true)
    f.specs = '12 W, 4000 K'
    f.prices[1].amount = '2.90'
    expect(productPatch(p, f, ALL)).toEqual({
      version: 3,
      specs: '12 W, 4000 K',
      prices: [
        { amount: '3.20', currency: 'USD' },
        { amount: '2.90', currency: 'EUR' },
      ],
    })
  })

  it('sends the whole packing when a part of it changed, and clears a side to null', () => {
    const p = led()
    const f = productToForm(p)
    f.net_kg = ''
    expect(productPatch(p, f, ALL).packing).toEqual({ units_per_carton: 50, carton_cm: ['60', '40', '30'], gross_kg: '12.5', net_kg: null })
  })

  it('clears a text field with an empty string', () => {
    const p = led()
    const f = productToForm(p)
    f.hs_code = ' '
    expect(productPatch(p, f, ALL)).toEqual({ version: 3, hs_code: '' })
  })

  it('of a product read without costs leaves them alone', () => {
    const p = asRep(led())
    const f = productToForm(p)
    expect(f.supplier_prices).toEqual([])
    f.name_en = 'LED panel'
    const shows = { cost: sees(null, 'cost', p), supplier_prices: sees(null, 'supplier_price', p) }
    expect(shows).toEqual(NONE)
    expect(productPatch(p, f, shows)).toEqual({ version: 3, name_en: 'LED panel' })
  })

  it('sends a changed cost and supplier prices', () => {
    const p = led()
    const f = productToForm(p)
    f.cost.amount = '15.10'
    f.supplier_prices[0].moq = '500'
    const patch = productPatch(p, f, ALL)
    expect(patch.cost).toEqual({ amount: '15.10', currency: 'CNY' })
    expect(patch.supplier_prices).toEqual([{ supplier: '中山灯饰厂', price: { amount: '14.80', currency: 'CNY' }, moq: 500, lead_days: 15 }])
  })
})

describe('checks before the server', () => {
  it('want a SKU, a name and a unit', () => {
    const f = blankProduct()
    f.unit = ''
    expect(checkForm(f, ALL)).toEqual({ sku: 'sku_required', name_en: 'name_required', unit: 'unit_required' })
  })

  it('name the number that is not one, the missing side and the second price in a currency', () => {
    const f = blankProduct()
    Object.assign(f, { sku: 'A', name_en: 'A', units_per_carton: '2.5', carton: ['60', '', '30'], gross_kg: '12,5' })
    f.prices = [
      { amount: '1', currency: 'USD' },
      { amount: '', currency: 'EUR' },
      { amount: 'x', currency: 'USD' },
    ]
    expect(checkForm(f, ALL)).toEqual({
      'packing.units_per_carton': 'whole_number',
      'packing.carton_cm[1]': 'carton_side',
      'packing.gross_kg': 'decimal',
      'prices[2].amount': 'decimal',
      'prices[2].currency': 'currency_twice',
    })
  })

  it('check supplier rows; an emptied cost is sent as null, which removes it', () => {
    const p = led()
    const f = productToForm(p)
    f.cost.amount = ''
    f.supplier_prices.push({ supplier: '', amount: '3', currency: 'CNY', moq: '0', lead_days: '' })
    expect(checkForm(f, ALL)).toEqual({
      'supplier_prices[1].supplier': 'supplier_required',
      'supplier_prices[1].moq': 'whole_number',
    })
    // Not shown, not checked.
    expect(checkForm(f, NONE)).toEqual({})
    f.supplier_prices.pop()
    expect(productPatch(p, f, ALL)).toEqual({ version: p.version, cost: null })
    // A role that does not see costs never sends one, not even null.
    expect('cost' in productPatch(p, f, NONE)).toBe(false)
  })
})

describe('server errors', () => {
  it('land on the row shown, blank rows not sent', () => {
    const f = blankProduct()
    f.prices = [
      { amount: '', currency: 'USD' },
      { amount: '1', currency: 'EUR' },
      { amount: '2', currency: 'EUR' },
    ]
    expect(formField('prices[1].currency', f)).toBe('prices[2].currency')
    expect(formField('prices[0].amount', f)).toBe('prices[1].amount')
    f.supplier_prices = [
      { supplier: '', amount: '', currency: 'CNY', moq: '', lead_days: '' },
      { supplier: 'A', amount: '-1', currency: 'CNY', moq: '', lead_days: '' },
    ]
    expect(formField('supplier_prices[0].price.amount', f)).toBe('supplier_prices[1].price.amount')
  })

  it('keep the fields of the form and refuse others', () => {
    const f = blankProduct()
    for (const ok of ['sku', 'name_en', 'hs_code', 'packing.net_kg', 'packing.carton_cm[1]', 'cost.amount', 'cost', 'supplier_prices'])
      expect(formField(ok, f), ok).toBe(ok)
    expect(formField('version', f)).toBeNull()
    expect(formField('sort', f)).toBeNull()
  })
})

describe('access', () => {
  const me = (grants: Record<string, string>, hidden: string[]): Me =>
    ({ permissions: { grants: { products: grants }, hidden_fields: hidden } }) as unknown as Me
  it('follows the role', () => {
    const rep = me({ read: 'all' }, ['cost', 'supplier_price'])
    expect([mayProducts(rep, 'read'), mayProducts(rep, 'update'), mayProducts(rep, 'delete')]).toEqual([true, false, false])
    expect([sees(rep, 'cost'), sees(rep, 'supplier_price')]).toEqual([false, false])
    const buyer = me({ read: 'all', create: 'all', update: 'all' }, ['profit'])
    expect([sees(buyer, 'cost'), sees(buyer, 'supplier_price')]).toEqual([true, true])
    expect(mayProducts(null, 'read')).toBe(false)
  })
  it('believes the server’s answer over the role', () => {
    const admin = me({ read: 'all' }, [])
    expect(sees(admin, 'cost', asRep(led()))).toBe(false)
    expect(sees(admin, 'cost', led({ cost: null }))).toBe(true)
  })
})
