// The product form: what the user types ↔ what the API takes. Checks that need no server are done
// here, keyed like the server's field errors (`packing.net_kg`, `prices[1].currency`) but on the
// rows the user sees; the server's errors are mapped back to those rows.
import type { Money, Packing, Product, ProductInput, SupplierPrice } from '@/api/sales'
import { isDecimal, isWholeNumber, normalizeDecimal } from './decimal'

export interface PriceRow {
  amount: string
  currency: string
}

export interface SupplierRow {
  supplier: string
  amount: string
  currency: string
  moq: string
  lead_days: string
}

export interface ProductForm {
  sku: string
  name_zh: string
  name_en: string
  specs: string
  hs_code: string
  unit: string
  active: boolean
  units_per_carton: string
  /** Length, width, height in cm. */
  carton: [string, string, string]
  gross_kg: string
  net_kg: string
  prices: PriceRow[]
  /** An empty amount: no cost. */
  cost: PriceRow
  supplier_prices: SupplierRow[]
}

/** Which hidden-field sections the form shows (and sends). */
export interface Shows {
  cost: boolean
  supplier_prices: boolean
}

/** The currencies offered first for a new price row. */
const PRICE_CURRENCIES = ['USD', 'EUR', 'CNY', 'GBP', 'JPY', 'HKD', 'AUD', 'CAD']

/** The first usual currency the rows do not have yet (a product has one price per currency). */
export function nextCurrency(rows: readonly PriceRow[], base = 'CNY'): string {
  const used = new Set(rows.map((r) => r.currency))
  return [...PRICE_CURRENCIES, base].find((c) => !used.has(c)) ?? 'USD'
}

export function blankSupplierRow(base = 'CNY'): SupplierRow {
  return { supplier: '', amount: '', currency: base, moq: '', lead_days: '' }
}

/** A new product: unit pcs, one USD price row, the cost in the company's base currency. */
export function blankProduct(base = 'CNY'): ProductForm {
  return {
    sku: '',
    name_zh: '',
    name_en: '',
    specs: '',
    hs_code: '',
    unit: 'pcs',
    active: true,
    units_per_carton: '',
    carton: ['', '', ''],
    gross_kg: '',
    net_kg: '',
    prices: [{ amount: '', currency: 'USD' }],
    cost: { amount: '', currency: base },
    supplier_prices: [],
  }
}

export function productToForm(p: Product, base = 'CNY'): ProductForm {
  const dims = p.packing.carton_cm
  return {
    sku: p.sku,
    name_zh: p.name_zh ?? '',
    name_en: p.name_en ?? '',
    specs: p.specs ?? '',
    hs_code: p.hs_code ?? '',
    unit: p.unit,
    active: p.active,
    units_per_carton: p.packing.units_per_carton != null ? String(p.packing.units_per_carton) : '',
    carton: dims?.length === 3 ? [dims[0], dims[1], dims[2]] : ['', '', ''],
    gross_kg: p.packing.gross_kg ?? '',
    net_kg: p.packing.net_kg ?? '',
    prices: p.prices.map((m) => ({ ...m })),
    cost: p.cost ? { ...p.cost } : { amount: '', currency: base },
    supplier_prices: (p.supplier_prices ?? []).map((s) => ({
      supplier: s.supplier,
      amount: s.price.amount,
      currency: s.price.currency,
      moq: s.moq != null ? String(s.moq) : '',
      lead_days: s.lead_days != null ? String(s.lead_days) : '',
    })),
  }
}

const num = (s: string) => normalizeDecimal(s)
const orNull = (s: string) => (s.trim() ? s.trim() : null)
const intOrNull = (s: string) => (num(s) ? Number(num(s)) : null)

/** A price row the user added and left empty: not sent. */
const priceBlank = (r: PriceRow) => !num(r.amount)
const supplierBlank = (r: SupplierRow) => !r.supplier.trim() && !num(r.amount) && !num(r.moq) && !num(r.lead_days)

function packingOf(f: ProductForm): Packing {
  const dims = f.carton.map(num)
  return {
    units_per_carton: intOrNull(f.units_per_carton),
    carton_cm: dims.every(Boolean) ? (dims as [string, string, string]) : null,
    gross_kg: num(f.gross_kg) || null,
    net_kg: num(f.net_kg) || null,
  }
}

function pricesOf(f: ProductForm): Money[] {
  return f.prices.filter((r) => !priceBlank(r)).map((r) => ({ amount: num(r.amount), currency: r.currency }))
}

function costOf(f: ProductForm): Money | null {
  return num(f.cost.amount) ? { amount: num(f.cost.amount), currency: f.cost.currency } : null
}

function supplierPricesOf(f: ProductForm): SupplierPrice[] {
  return f.supplier_prices
    .filter((r) => !supplierBlank(r))
    .map((r) => ({
      supplier: r.supplier.trim(),
      price: { amount: num(r.amount), currency: r.currency },
      moq: intOrNull(r.moq),
      lead_days: intOrNull(r.lead_days),
    }))
}

/** A new product as the API takes it; hidden-field sections only when the form shows them. */
export function productInput(f: ProductForm, shows: Shows): ProductInput {
  const input: ProductInput = {
    sku: f.sku.trim(),
    name_zh: orNull(f.name_zh),
    name_en: orNull(f.name_en),
    specs: orNull(f.specs),
    hs_code: orNull(f.hs_code),
    unit: f.unit.trim(),
    packing: packingOf(f),
    prices: pricesOf(f),
    active: f.active,
  }
  const cost = costOf(f)
  if (shows.cost && cost) input.cost = cost
  if (shows.supplier_prices) input.supplier_prices = supplierPricesOf(f)
  return input
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Only what changed, as the PATCH takes it, with the version read. An emptied text field is sent
 * as "" (the server clears it). Packing and prices are sent whole when any part changed.
 */
export function productPatch(before: Product, f: ProductForm, shows: Shows): ProductInput & { version: number } {
  const old = productToForm(before)
  const patch: ProductInput & { version: number } = { version: before.version }
  for (const k of ['sku', 'name_zh', 'name_en', 'specs', 'hs_code', 'unit'] as const) {
    const v = f[k].trim()
    if (v !== old[k].trim()) patch[k] = v
  }
  if (f.active !== old.active) patch.active = f.active
  const packing = packingOf(f)
  if (!same(packing, packingOf(old))) patch.packing = packing
  const prices = pricesOf(f)
  if (!same(prices, pricesOf(old))) patch.prices = prices
  if (shows.cost) {
    const cost = costOf(f)
    // An emptied cost is sent as null: the server removes it.
    if (!same(cost, costOf(old))) patch.cost = cost
  }
  if (shows.supplier_prices) {
    const list = supplierPricesOf(f)
    if (!same(list, supplierPricesOf(old))) patch.supplier_prices = list
  }
  return patch
}

export function patchIsEmpty(p: ProductInput): boolean {
  return Object.keys(p).every((k) => k === 'version')
}

/** A problem found before asking the server: the message key under `sales.product.check`. */
export type Problems = Record<string, string>

/**
 * What can be told without the server: required fields, numbers that are not numbers, a carton
 * size with a side missing, a currency twice. Keys are the form's fields (`prices[2].amount` is
 * the third row shown).
 */
export function checkForm(f: ProductForm, shows: Shows): Problems {
  const p: Problems = {}
  if (!f.sku.trim()) p.sku = 'sku_required'
  if (!f.name_zh.trim() && !f.name_en.trim()) p.name_en = 'name_required'
  if (!f.unit.trim()) p.unit = 'unit_required'
  const whole = (key: string, v: string) => {
    if (num(v) && (!isWholeNumber(num(v)) || Number(num(v)) === 0)) p[key] = 'whole_number'
  }
  const decimal = (key: string, v: string) => {
    if (num(v) && !isDecimal(num(v))) p[key] = 'decimal'
  }
  whole('packing.units_per_carton', f.units_per_carton)
  const filled = f.carton.map((d) => !!num(d))
  f.carton.forEach((d, i) => {
    if (filled.some(Boolean) && !filled[i]) p[`packing.carton_cm[${i}]`] = 'carton_side'
    else decimal(`packing.carton_cm[${i}]`, d)
  })
  decimal('packing.gross_kg', f.gross_kg)
  decimal('packing.net_kg', f.net_kg)
  const seen = new Set<string>()
  f.prices.forEach((r, i) => {
    if (priceBlank(r)) return
    decimal(`prices[${i}].amount`, r.amount)
    if (seen.has(r.currency)) p[`prices[${i}].currency`] = 'currency_twice'
    seen.add(r.currency)
  })
  if (shows.cost) {
    decimal('cost.amount', f.cost.amount)
  }
  if (shows.supplier_prices) {
    f.supplier_prices.forEach((r, i) => {
      if (supplierBlank(r)) return
      if (!r.supplier.trim()) p[`supplier_prices[${i}].supplier`] = 'supplier_required'
      if (!num(r.amount)) p[`supplier_prices[${i}].price.amount`] = 'price_required'
      else decimal(`supplier_prices[${i}].price.amount`, r.amount)
      whole(`supplier_prices[${i}].moq`, r.moq)
      if (num(r.lead_days) && !isWholeNumber(num(r.lead_days))) p[`supplier_prices[${i}].lead_days`] = 'whole_number'
    })
  }
  return p
}

/** The fields the form shows an error under. */
const FORM_FIELD =
  /^(sku|name_zh|name_en|specs|hs_code|unit|active|packing\.(units_per_carton|carton_cm(\[[0-2]\])?|gross_kg|net_kg)|prices\[\d+\](\.(amount|currency))?|cost(\.(amount|currency))?|supplier_prices(\[\d+\](\.(supplier|price(\.(amount|currency))?|moq|lead_days))?)?)$/

/**
 * The form field of a server error: blank rows were not sent, so `prices[1]` is the second row
 * sent, which may be the third shown. null: not a field of this form (shown as a message).
 */
export function formField(field: string, f: ProductForm): string | null {
  const rows = (prefix: string, blank: (i: number) => boolean, count: number) => {
    const m = new RegExp(`^${prefix}\\[(\\d+)\\](.*)$`).exec(field)
    if (!m) return null
    let n = Number(m[1])
    for (let i = 0; i < count; i++) {
      if (blank(i)) continue
      if (n === 0) return `${prefix}[${i}]${m[2]}`
      n--
    }
    return field
  }
  const mapped =
    rows('prices', (i) => priceBlank(f.prices[i]), f.prices.length) ??
    rows('supplier_prices', (i) => supplierBlank(f.supplier_prices[i]), f.supplier_prices.length) ??
    field
  return FORM_FIELD.test(mapped) ? mapped : null
}
