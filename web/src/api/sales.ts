// Sales (SAL-1 …): the product catalogue first. The shapes come from the server's OpenAPI
// document (`schema.d.ts`, `npm run gen:api`), narrowed where the document cannot say more.
// Amounts, sizes and weights are decimal strings, never floats.
import { buildUrl, http } from './client'
import type { Page } from './types'
import type { components, operations } from './schema'

type Schemas = components['schemas']

/** `{"amount": "12.30", "currency": "USD"}`: the amount as the server keeps it (a decimal string). */
export type Money = Schemas['Money']

/** How a product is packed for export: per carton (`carton_cm` is length × width × height). */
export type Packing = Schemas['Packing']

/** A supplier's price for the product (a hidden field class: `supplier_price`). */
export type SupplierPrice = Schemas['SupplierPrice']

/**
 * A product as the caller may see it. `cost` and `supplier_prices` are absent (not null, not
 * empty) for roles that hide them: the document lists `supplier_prices` as always there.
 */
export type Product = Omit<Schemas['ProductView'], 'supplier_prices'> & { supplier_prices?: SupplierPrice[] }

/**
 * A new product, or the fields a change sets (absent fields stay as they are). `cost` and
 * `supplier_prices` are refused (403 naming the field) for a role that hides them.
 */
export type ProductInput = Schemas['ProductInput']

export type ProductQuery = NonNullable<operations['list_products']['parameters']['query']>

export type ProductSort = 'created' | 'sku'
export const PRODUCT_SORTS: ProductSort[] = ['created', 'sku']

export const salesApi = {
  products: (q: ProductQuery = {}) => http.get<Page<Product>>('/products', { ...q }),
  product: (id: number) => http.get<Product>(`/products/${id}`),
  createProduct: (body: ProductInput) => http.post<Product>('/products', body),
  updateProduct: (id: number, patch: ProductInput & { version: number }) => http.patch<Product>(`/products/${id}`, patch),
  /** To the recycle bin. */
  deleteProduct: (id: number, version: number) => http.del<void>(`/products/${id}`, { version }),
}

// ---- quotations and orders (SAL-2, SAL-3) ----------------------------------------------------

/** A line of a quotation or an order. `unit_cost` is absent for roles that hide costs. */
export type Line = Omit<Schemas['Line'], 'unit_cost'> & { unit_cost?: Money | null }
/** A line as entered: a product (its SKU, name, unit and price filled in by the server) or free text. */
export type LineInput = Schemas['LineInput']
export type DocLang = Schemas['DocLang']
export const DOC_LANGS: DocLang[] = ['zh', 'en', 'both']

/** Incoterms 2020, as the server accepts them (src/domain/sales/lines.rs). */
export const INCOTERMS = ['EXW', 'FCA', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP', 'FAS', 'FOB', 'CFR', 'CIF'] as const

export type QuoteStatus = Schemas['QuoteStatus']
export const QUOTE_STATUSES: QuoteStatus[] = ['draft', 'sent', 'accepted', 'rejected', 'expired']
export type QuoteBody = Omit<Schemas['QuoteBody'], 'lines'> & { lines: Line[] }
export type QuoteRevision = Omit<Schemas['QuoteRevision'], 'body'> & { body: QuoteBody }
export type Quotation = Omit<Schemas['QuotationView'], 'body' | 'history'> & { body: QuoteBody; history: QuoteRevision[] }
export type QuotationInput = Schemas['QuotationInput']
export type QuotationQuery = NonNullable<operations['list_quotations']['parameters']['query']>
export type QuoteStep = 'send' | 'accept' | 'reject'

export type OrderStatus = Schemas['OrderStatus']
export const ORDER_STATUSES: OrderStatus[] = ['confirmed', 'in_production', 'shipped', 'completed', 'cancelled']
export type OrderRow = Schemas['OrderRow']
export type OrderInput = Schemas['OrderInput']
export type OrderQuery = NonNullable<operations['list_orders']['parameters']['query']>
export type OrderDates = Schemas['OrderDates']
export type Instalment = Schemas['InstalmentState']
export type Receivable = Schemas['Receivable']
export type OrderAllocation = Schemas['OrderAllocation']
export type RateUsed = Schemas['RateUsed']
export type Charge = Schemas['Charge']
export type ChargeInput = Schemas['ChargeInput']
export type ChargeKind = Schemas['ChargeKind']
export const CHARGE_KINDS: ChargeKind[] = ['purchase', 'freight', 'duty', 'commission', 'bank_fee', 'other']
export type Basis = Schemas['Basis']
export const BASES: Basis[] = ['value', 'quantity', 'weight', 'volume', 'equal']
export type CostLine = Schemas['CostLine']

/**
 * Estimated or actual figures of an order in the base currency. A role that hides costs gets no
 * `costs` / `cost_total`; one that hides profit no `profit` / `margin_percent`.
 */
export type Figures = Omit<Schemas['Figures'], 'costs' | 'cost_total' | 'profit'> & {
  costs?: CostLine[]
  cost_total?: Money
  profit?: Money
}
export type LineProfit = Omit<Schemas['LineProfit'], 'cost' | 'profit'> & { cost?: Money; profit?: Money }
export type Profit = Omit<Schemas['ProfitView'], 'estimated' | 'actual' | 'lines'> & {
  estimated: Figures
  actual: Figures
  lines: LineProfit[]
}

/**
 * An order as the caller may see it: `estimates` and `charges` are absent for roles that hide
 * costs, `costing` loses its profit figures for roles that hide profit (see `Figures`).
 */
export type Order = Omit<Schemas['OrderView'], 'lines' | 'estimates' | 'charges' | 'costing'> & {
  lines: Line[]
  estimates?: Charge[]
  charges?: Charge[]
  costing?: Profit
}
export type DunningLetter = Schemas['DunningLetter']
/** A customer's money at a glance: open orders, outstanding and credit per currency. */
export type CustomerMoney = Schemas['CustomerMoney']

export const quotationsApi = {
  list: (q: QuotationQuery = {}) => http.get<Page<Quotation>>('/quotations', { ...q }),
  get: (id: number) => http.get<Quotation>(`/quotations/${id}`),
  create: (body: QuotationInput) => http.post<Quotation>('/quotations', body),
  /** A draft changes in place; a sent, rejected or expired one becomes a new revision. */
  update: (id: number, patch: QuotationInput) => http.patch<Quotation>(`/quotations/${id}`, patch),
  remove: (id: number, version: number) => http.del<void>(`/quotations/${id}`, { version }),
  step: (id: number, step: QuoteStep, version: number) => http.post<Quotation>(`/quotations/${id}/steps`, { step, version }),
  /** The sales order of an accepted quotation. */
  makeOrder: (id: number, body: OrderInput) => http.post<Order>(`/quotations/${id}/order`, body),
}

export const ordersApi = {
  list: (q: OrderQuery = {}) => http.get<Page<OrderRow>>('/orders', { ...q }),
  get: (id: number) => http.get<Order>(`/orders/${id}`),
  create: (body: OrderInput) => http.post<Order>('/orders', body),
  update: (id: number, patch: OrderInput) => http.patch<Order>(`/orders/${id}`, patch),
  remove: (id: number, version: number) => http.del<void>(`/orders/${id}`, { version }),
  dunning: (id: number) => http.get<DunningLetter>(`/orders/${id}/dunning`),
  /** The proforma invoice: a PDF to send, or HTML to print. */
  documentUrl: (id: number, format: 'pdf' | 'html') => buildUrl(`/orders/${id}/document`, { format }),
  customerMoney: (customerId: number) => http.get<CustomerMoney>(`/customers/${customerId}/money`),
}
