import type { Me, Scope } from '@/api'
import type { CustomerScope } from '@/api/crm'

const RANK: Record<Scope, number> = { none: 0, own: 1, team: 2, all: 3 }

/** The caller's scope for a CRM action (from me.permissions). */
export function crmScope(me: Me | null, action: string): Scope {
  return (me?.permissions.grants.crm?.[action] as Scope | undefined) ?? 'none'
}

/**
 * Whether the caller's scope for a CRM action reaches a record of `owner` (null: in the pool,
 * which needs scope "all"). Team scope is taken as reaching: the server knows the team and
 * decides; own scope reaches the caller's records only.
 */
export function crmReaches(me: Me | null, action: string, owner: number | null | undefined): boolean {
  const s = crmScope(me, action)
  if (s === 'all') return true
  if (owner == null || s === 'none') return false
  return s === 'team' || owner === me?.id
}

export function atLeast(s: Scope, want: Scope): boolean {
  return RANK[s] >= RANK[want]
}

/** The list scopes worth offering: "team" and "all" only to those whose role reaches that far. */
export function listScopes(read: Scope): CustomerScope[] {
  const out: CustomerScope[] = ['mine']
  if (atLeast(read, 'team')) out.push('team')
  if (atLeast(read, 'all')) out.push('all')
  return out
}
