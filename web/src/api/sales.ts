// Sales (SAL-1 …): the product catalogue first. The shapes come from the server's OpenAPI
// document (`schema.d.ts`, `npm run gen:api`), narrowed where the document cannot say more.
// Amounts, sizes and weights are decimal strings, never floats.
import { http } from './client'
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
