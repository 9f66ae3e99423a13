// What the caller may do with products, from me.permissions (the server decides; the screens
// only leave out what it would refuse).
import type { Me, Scope } from '@/api'
import type { Product } from '@/api/sales'

/** The caller's scope for an action on the products module. */
export function productsScope(me: Me | null, action: 'read' | 'create' | 'update' | 'delete'): Scope {
  return (me?.permissions.grants.products?.[action] as Scope | undefined) ?? 'none'
}

export function mayProducts(me: Me | null, action: 'read' | 'create' | 'update' | 'delete'): boolean {
  return productsScope(me, action) !== 'none'
}

type Hidden = 'cost' | 'supplier_price'
const FIELD: Record<Hidden, 'cost' | 'supplier_prices'> = { cost: 'cost', supplier_price: 'supplier_prices' }

/**
 * Whether the caller sees (and may set) a hidden field class: for a product read from the server,
 * whether its answer carries the field (a role that hides it never gets the key); for a new one,
 * whether the caller's hidden fields leave it out.
 */
export function sees(me: Me | null, cls: Hidden, product?: Product | null): boolean {
  if (product) return FIELD[cls] in product
  return !!me && !me.permissions.hidden_fields.includes(cls)
}

type Action = 'read' | 'create' | 'update' | 'delete'

/** The caller's scope for an action on quotations and orders (the `sales` module). */
export function salesScope(me: Me | null, action: Action): Scope {
  return (me?.permissions.grants.sales?.[action] as Scope | undefined) ?? 'none'
}

/**
 * Whether the caller may do an action on a quotation or order of `owner`: "own" reaches the
 * caller's own records only; "team" is left to the server (it knows the teams).
 */
export function maySales(me: Me | null, action: Action, owner?: number | null): boolean {
  const s = salesScope(me, action)
  if (s === 'none') return false
  if (s === 'own' && owner !== undefined) return owner === me?.id
  return true
}

/** The caller's scope for an action on finance (receipts, rates, payment terms). */
export function financeScope(me: Me | null, action: Action | 'approve'): Scope {
  return (me?.permissions.grants.finance?.[action] as Scope | undefined) ?? 'none'
}

export function mayFinance(me: Me | null, action: Action | 'approve'): boolean {
  return financeScope(me, action) !== 'none'
}
