// Where a global search hit leads, per kind. A hit whose kind has no line here (or whose area the
// user may not open) is shown without a link. Later issues add a line per kind (customer, order …).
import type { RouteLocationRaw } from 'vue-router'
import type { SearchHit } from '@/api'

interface SearchTarget {
  area: string
  to: (hit: SearchHit) => RouteLocationRaw
}

export const SEARCH_TARGETS: Record<string, SearchTarget> = {
  user: { area: 'admin.users', to: (h) => ({ path: '/admin/users', query: { q: h.title, open: String(h.id) } }) },
  team: { area: 'admin.teams', to: (h) => ({ path: '/admin/teams', query: { q: h.title } }) },
  role: { area: 'admin.roles', to: (h) => ({ path: `/admin/roles/${h.id}` }) },
  customer: { area: 'crm.customers', to: (h) => ({ path: `/crm/customers/${h.id}` }) },
  // A contact hit carries only the contact's id: this screen finds its customer and opens it there.
  contact: { area: 'crm.customers', to: (h) => ({ path: `/crm/contacts/${h.id}` }) },
  lead: { area: 'crm.leads', to: (h) => ({ path: `/crm/leads/${h.id}` }) },
}

export function searchTarget(hit: SearchHit, areas: readonly string[]): RouteLocationRaw | null {
  const t = SEARCH_TARGETS[hit.kind]
  return t && areas.includes(t.area) ? t.to(hit) : null
}
