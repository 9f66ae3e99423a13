// What the caller may do with goods, from me.permissions (the server decides; the screens only
// leave out what it would refuse).
import type { Me, Scope } from '@/api'

type Action = 'read' | 'create' | 'update' | 'delete'

/** purchasing: suppliers and purchase orders; inventory: warehouses, stock, receiving, transfers. */
export function mayGoods(me: Me | null, module: 'purchasing' | 'inventory', action: Action): boolean {
  const s = (me?.permissions.grants[module]?.[action] as Scope | undefined) ?? 'none'
  return s !== 'none'
}

/** Whether the caller sees supplier prices (a hidden field class). */
export function seesSupplierPrices(me: Me | null): boolean {
  return !!me && !me.permissions.hidden_fields.includes('supplier_price')
}
