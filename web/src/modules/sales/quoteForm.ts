// The quotation editor: what the user types ↔ what the API takes, the live line amounts and
// total (computed exactly as the server will: each line rounded to the currency's smallest unit,
// the total their sum), and the checks that need no server, keyed like the server's field errors
// (`lines[2].quantity`).
import type { DocLang, Line, LineInput, Money, Product, Quotation, QuotationInput } from '@/api/sales'
import { addDays } from '@/time'
import { compareDecimals, isDecimal, lineAmount, moneyTotal, normalizeDecimal, signOf } from './decimal'

export interface LineRow {
  /** Stable key for the list while rows are added and removed. */
  key: number
  product_id: number | null
  sku: string
  description: string
  /**
   * What the picker filled in as the description: sent as none, so the server writes the
   * product's name (and specs) in the document's language.
   */
  auto_description: string
  quantity: string
  unit: string
  unit_price: string
  /** The product's prices, to fill the price again when the currency changes (until typed over). */
  prices: Money[] | null
  price_typed: boolean
  discount: string
}

export interface QuoteForm {
  customer_id: number | null
  currency: string
  lang: DocLang
  incoterm: string
  named_place: string
  /** "YYYY-MM-DD" */
  valid_until: string
  payment_terms_id: number | null
  delivery: string
  remarks: string
  lines: LineRow[]
}

let nextKey = 1
const key = () => nextKey++

export function blankLine(): LineRow {
  return {
    key: key(),
    product_id: null,
    sku: '',
    description: '',
    auto_description: '',
    quantity: '',
    unit: 'pcs',
    unit_price: '',
    prices: null,
    price_typed: false,
    discount: '',
  }
}

/** A new quotation: valid 30 days from today (the server's default), in English. */
export function blankQuote(currency: string, today: string): QuoteForm {
  return {
    customer_id: null,
    currency,
    lang: 'en',
    incoterm: 'FOB',
    named_place: '',
    valid_until: addDays(today, 30),
    payment_terms_id: null,
    delivery: '',
    remarks: '',
    lines: [],
  }
}

/** The product's price in a currency ("" when it has none). */
export function priceIn(prices: readonly Money[] | null | undefined, currency: string): string {
  return prices?.find((m) => m.currency === currency)?.amount ?? ''
}

/** The product's name as the document will say it (both languages for a bilingual one). */
export function productName(p: Product, lang: DocLang): string {
  const zh = p.name_zh ?? ''
  const en = p.name_en ?? ''
  if (lang === 'both' && zh && en) return `${en} / ${zh}`
  if (lang === 'zh') return zh || en || p.name
  return en || zh || p.name
}

/** A line for a catalogue product: its SKU, name, unit and price in the quotation's currency. */
export function productLine(p: Product, currency: string, lang: DocLang): LineRow {
  const name = productName(p, lang)
  return {
    ...blankLine(),
    product_id: p.id,
    sku: p.sku,
    description: name,
    auto_description: name,
    unit: p.unit,
    unit_price: priceIn(p.prices, currency),
    prices: p.prices,
  }
}

/** Another currency: product lines whose price was not typed over take the product's price in it. */
export function changeCurrency(form: QuoteForm, currency: string): void {
  form.currency = currency
  for (const row of form.lines) {
    if (row.prices && !row.price_typed) row.unit_price = priceIn(row.prices, currency)
  }
}

function lineToRow(l: Line): LineRow {
  return {
    ...blankLine(),
    product_id: l.product_id ?? null,
    sku: l.sku ?? '',
    description: l.description,
    quantity: l.quantity,
    unit: l.unit,
    unit_price: l.unit_price,
    price_typed: true,
    discount: l.discount_percent ?? '',
  }
}

/** A quotation as the editor shows it (to change it, or to revise it). */
export function quoteToForm(q: Quotation): QuoteForm {
  const b = q.body
  return {
    customer_id: q.customer_id,
    currency: b.currency,
    lang: b.lang,
    incoterm: b.incoterm ?? '',
    named_place: b.named_place ?? '',
    valid_until: b.valid_until,
    payment_terms_id: b.payment_terms_id ?? null,
    delivery: b.delivery ?? '',
    remarks: b.remarks ?? '',
    lines: b.lines.map(lineToRow),
  }
}

/** Each line's amount as the server will compute it (null while a figure is missing or wrong). */
export function lineAmounts(form: QuoteForm): (string | null)[] {
  return form.lines.map((r) => lineAmount(r.quantity, r.unit_price, r.discount, form.currency))
}

/** The quotation's total: the sum of the rounded lines that can be computed. */
export function quoteTotal(form: QuoteForm): string {
  return moneyTotal(lineAmounts(form), form.currency)
}

const clean = (s: string) => normalizeDecimal(s)

/**
 * Checks needing no server: field → message key under `sales.check`. The server checks again
 * (and knows more: a product that was deleted, a date before the quotation's).
 */
export function checkQuote(form: QuoteForm, today: string): Record<string, string> {
  const out: Record<string, string> = {}
  if (!form.customer_id) out.customer_id = 'customer_required'
  if (!form.currency) out.currency = 'currency_required'
  if (!form.valid_until) out.valid_until = 'date_required'
  else if (form.valid_until < today) out.valid_until = 'valid_until_past'
  if (!form.lines.length) out.lines = 'lines_required'
  form.lines.forEach((r, i) => {
    const f = (name: string) => `lines[${i}].${name}`
    if (!r.product_id && !r.description.trim()) out[f('description')] = 'description_required'
    const q = clean(r.quantity)
    if (!q) out[f('quantity')] = 'quantity_required'
    else if (!isDecimal(q) || signOf(q) <= 0) out[f('quantity')] = 'positive'
    const p = clean(r.unit_price)
    if (!p) out[f('unit_price')] = 'price_required'
    else if (!isDecimal(p) || signOf(p) <= 0) out[f('unit_price')] = 'positive'
    const d = clean(r.discount)
    if (d && (!isDecimal(d) || compareDecimals(d, '100') !== -1)) out[f('discount_percent')] = 'discount'
  })
  return out
}

function lineInput(r: LineRow): LineInput {
  const description = r.description.trim()
  const d = clean(r.discount)
  return {
    product_id: r.product_id,
    // A product line whose name was left as the picker wrote it: the server writes it (with specs).
    description: r.product_id && description === r.auto_description ? null : description || null,
    quantity: clean(r.quantity),
    unit: r.unit.trim() || null,
    unit_price: clean(r.unit_price),
    discount_percent: d || null,
  }
}

/** The whole quotation as the API takes it (a new one, or every field of a change). */
export function quoteInput(form: QuoteForm, version?: number): QuotationInput {
  const input: QuotationInput = {
    currency: form.currency,
    lang: form.lang,
    lines: form.lines.map(lineInput),
    // An empty incoterm, place, delivery or remark clears it.
    incoterm: form.incoterm,
    named_place: form.named_place.trim(),
    valid_until: form.valid_until,
    delivery: form.delivery.trim(),
    remarks: form.remarks.trim(),
  }
  if (form.payment_terms_id) input.payment_terms_id = form.payment_terms_id
  if (version === undefined) input.customer_id = form.customer_id
  else input.version = version
  return input
}
