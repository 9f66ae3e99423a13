// Sales (SAL-1 …): the product catalogue first. Mirrors src/domain/sales/products.rs.
// Amounts, sizes and weights are decimal strings, never floats.
import { http } from './client'
import type { Page } from './types'

/** `{"amount": "12.30", "currency": "USD"}`: the amount as the server keeps it (a decimal string). */
export interface Money {
  amount: string
  currency: string
}

/** How a product is packed for export: per carton. */
export interface Packing {
  units_per_carton: number | null
  /** Outer carton length × width × height in cm. */
  carton_cm: [string, string, string] | null
  /** Gross and net weight of a full carton in kg. */
  gross_kg: string | null
  net_kg: string | null
}

/** A supplier's price for the product (a hidden field class: `supplier_price`). */
export interface SupplierPrice {
  supplier: string
  price: Money
  /** Minimum order quantity. */
  moq: number | null
  lead_days: number | null
}

export interface Product {
  id: number
  sku: string
  /** In the viewer's language, else the other one (else the SKU). */
  name: string
  name_zh: string | null
  name_en: string | null
  specs: string | null
  hs_code: string | null
  unit: string
  packing: Packing
  /** Cubic metres of one carton, from `packing.carton_cm`. */
  cbm: string | null
  /** Sales prices, one per currency. */
  prices: Money[]
  /** Absent (not null) for roles that hide costs. */
  cost?: Money | null
  /** Absent for roles that hide supplier prices. */
  supplier_prices?: SupplierPrice[]
  active: boolean
  created_at: string
  updated_at: string
  version: number
}

/** A new product, or the fields a change sets (absent fields stay as they are). */
export interface ProductInput {
  sku?: string
  name_zh?: string | null
  name_en?: string | null
  specs?: string | null
  /** 6 to 10 digits (dots allowed: 8471.30). */
  hs_code?: string | null
  /** `pcs` when not given. */
  unit?: string
  packing?: Packing
  prices?: Money[]
  /** Refused (403 on `cost`) for a role that hides costs. */
  cost?: Money
  /** Refused (403 on `supplier_prices`) for a role that hides supplier prices. */
  supplier_prices?: SupplierPrice[]
  active?: boolean
  /** For changes: the version read (409 if someone saved since). */
  version?: number
}

export type ProductSort = 'created' | 'sku'
export const PRODUCT_SORTS: ProductSort[] = ['created', 'sku']

export interface ProductQuery {
  /** SKU, names or specs contain this text. */
  q?: string
  active?: boolean | 'true' | 'false'
  /** `created` (newest first, the default) or `sku`. */
  sort?: ProductSort
  page?: number
  per_page?: number
}

export const salesApi = {
  products: (q: ProductQuery = {}) => http.get<Page<Product>>('/products', { ...q }),
  product: (id: number) => http.get<Product>(`/products/${id}`),
  createProduct: (body: ProductInput) => http.post<Product>('/products', body),
  updateProduct: (id: number, patch: ProductInput & { version: number }) => http.patch<Product>(`/products/${id}`, patch),
  /** To the recycle bin. */
  deleteProduct: (id: number, version: number) => http.del<void>(`/products/${id}`, { version }),
}
