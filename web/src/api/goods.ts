// Goods (GDS-…): suppliers, purchase orders with their receipts and inspections, warehouses, the
// stock ledger, transfers between warehouses and availability. The shapes come from the server's
// OpenAPI document (`schema.d.ts`); quantities and prices are decimal strings, never floats.
import { http } from './client'
import type { Page } from './types'
import type { components, operations } from './schema'

type Schemas = components['schemas']

export type SupplierContact = Schemas['SupplierContact']
export type SupplierFigures = Schemas['SupplierFigures']
/** A supplier's price for one product. `price` is absent for roles that hide supplier prices. */
export type SupplierPriceRow = Omit<Schemas['PriceView'], 'price'> & { price?: Schemas['Money'] }
export type Supplier = Omit<Schemas['SupplierView'], 'prices'> & { prices: SupplierPriceRow[] }
export type SupplierInput = Schemas['SupplierInput']
export type PriceEntry = Schemas['PriceEntry']
export type SupplierQuery = NonNullable<operations['list_suppliers']['parameters']['query']>
/** One supplier of a product as a buyer compares them ("A: 7 days, 98 %"); no price for roles that hide it. */
export type SupplierChoice = Omit<Schemas['Choice'], 'price'> & { price?: Schemas['Money'] }

export type PoStatus = Schemas['PoStatus']
export const PO_STATUSES: PoStatus[] = ['draft', 'confirmed', 'partially_received', 'received', 'cancelled']
export type PoLine = Schemas['PoLine']
export type PoLineInput = Schemas['PoLineInput']
export type PoReceipt = Schemas['PoReceipt']
export type Inspection = Schemas['Inspection']
export type PurchaseOrder = Schemas['PoView']
export type PoInput = Schemas['PoInput']
export type PoQuery = NonNullable<operations['list_purchase_orders']['parameters']['query']>
export type GoodsReceiptInput = Schemas['GoodsReceiptInput']
export type InspectionInput = Schemas['InspectionInput']

export type Location = Schemas['Location']
export const LOCATIONS: Location[] = ['domestic', 'overseas']
export type Warehouse = Schemas['WarehouseView']
export type WarehouseInput = Schemas['WarehouseInput']
export type Balance = Schemas['BalanceView']
export type StockMove = Schemas['MoveView']
export type MoveType = Schemas['MoveType']
export type TransportMode = Schemas['TransportMode']
export const TRANSPORT_MODES: TransportMode[] = ['sea', 'air']
export type StockTransfer = Schemas['TransferView']
export type StockTransferInput = Schemas['StockTransferInput']
export type TransferStatus = Schemas['StockTransferStatus']
export type Availability = Schemas['Availability']
export type OrderAvailability = Schemas['OrderAvailability']
export type InventorySettings = Schemas['InventorySettings']

export const suppliersApi = {
  list: (q: SupplierQuery = {}) => http.get<Page<Supplier>>('/suppliers', { ...q }),
  get: (id: number) => http.get<Supplier>(`/suppliers/${id}`),
  create: (body: SupplierInput) => http.post<Supplier>('/suppliers', body),
  update: (id: number, patch: SupplierInput) => http.patch<Supplier>(`/suppliers/${id}`, patch),
  remove: (id: number, version: number) => http.del<void>(`/suppliers/${id}`, { version }),
  /** The suppliers of a product with their lead time and record, best first. */
  choice: (productId: number) => http.get<SupplierChoice[]>('/suppliers/choice', { product_id: productId }),
}

export const purchaseOrdersApi = {
  list: (q: PoQuery = {}) => http.get<Page<PurchaseOrder>>('/purchase-orders', { ...q }),
  get: (id: number) => http.get<PurchaseOrder>(`/purchase-orders/${id}`),
  create: (body: PoInput) => http.post<PurchaseOrder>('/purchase-orders', body),
  update: (id: number, patch: PoInput) => http.patch<PurchaseOrder>(`/purchase-orders/${id}`, patch),
  remove: (id: number, version: number) => http.del<void>(`/purchase-orders/${id}`, { version }),
  /** Goods arrived: quantities per line into a warehouse, with their inspection. */
  receive: (id: number, body: GoodsReceiptInput) => http.post<PurchaseOrder>(`/purchase-orders/${id}/receipts`, body),
  /** Purchase orders (drafts) for what a sales order is short of. */
  requestsFor: (orderId: number, body: Schemas['RequestInput'] = {}) => http.post<PurchaseOrder[]>(`/orders/${orderId}/purchase-requests`, body),
}

export const inventoryApi = {
  warehouses: () => http.get<Page<Warehouse>>('/warehouses'),
  warehouse: (id: number) => http.get<Warehouse>(`/warehouses/${id}`),
  createWarehouse: (body: WarehouseInput) => http.post<Warehouse>('/warehouses', body),
  updateWarehouse: (id: number, patch: WarehouseInput) => http.patch<Warehouse>(`/warehouses/${id}`, patch),
  removeWarehouse: (id: number, version: number) => http.del<void>(`/warehouses/${id}`, { version }),
  stock: (q: { product_id?: number; warehouse_id?: number } = {}) => http.get<Balance[]>('/stock', { ...q }),
  moves: (q: { product_id?: number; warehouse_id?: number; page?: number; per_page?: number } = {}) =>
    http.get<Page<StockMove>>('/stock-moves', { ...q }),
  transfers: (q: { status?: TransferStatus; page?: number; per_page?: number } = {}) => http.get<Page<StockTransfer>>('/stock-transfers', { ...q }),
  transfer: (id: number) => http.get<StockTransfer>(`/stock-transfers/${id}`),
  sendTransfer: (body: StockTransferInput) => http.post<StockTransfer>('/stock-transfers', body),
  receiveTransfer: (id: number, version: number) => http.post<StockTransfer>(`/stock-transfers/${id}/receive`, { version }),
  /** Where `quantity` of a product would come from ("500 needed: 300 in NB, 150 in LA, 50 short"). */
  availability: (productId: number, quantity?: string) => http.get<Availability>('/availability', { product_id: productId, quantity }),
  orderAvailability: (orderId: number) => http.get<OrderAvailability>(`/orders/${orderId}/availability`),
  settings: () => http.get<InventorySettings>('/inventory-settings'),
}
