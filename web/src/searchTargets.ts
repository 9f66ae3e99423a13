// Where a global search hit leads, per kind. A hit whose kind has no line here (or whose area the
// user may not open) is shown without a link. Later issues add a line per kind (customer, order …).
import type { RouteLocationRaw } from 'vue-router'
import type { SearchHit } from '@/api'

interface SearchTarget {
  /** The area of the app the user must be able to open (per hit when it depends on the hit). */
  area: string | ((hit: SearchHit) => string)
  to: (hit: SearchHit) => RouteLocationRaw
}

/** A timeline entry opens its customer (the timeline is that page's first tab) or its lead. */
const onLead = (h: SearchHit) => h.parent?.kind === 'lead'

export const SEARCH_TARGETS: Record<string, SearchTarget> = {
  user: { area: 'admin.users', to: (h) => ({ path: '/admin/users', query: { q: h.title, open: String(h.id) } }) },
  team: { area: 'admin.teams', to: (h) => ({ path: '/admin/teams', query: { q: h.title } }) },
  role: { area: 'admin.roles', to: (h) => ({ path: `/admin/roles/${h.id}` }) },
  customer: { area: 'crm.customers', to: (h) => ({ path: `/crm/customers/${h.id}` }) },
  // A contact hit names its company (`parent`) and opens it there (/crm/contacts/:id finds the
  // customer when the hit names none).
  contact: {
    area: 'crm.customers',
    to: (h) => (h.parent ? { path: `/crm/customers/${h.parent.id}` } : { path: `/crm/contacts/${h.id}` }),
  },
  activity: {
    area: (h) => (onLead(h) ? 'crm.leads' : 'crm.customers'),
    to: (h) => (onLead(h) ? { path: `/crm/leads/${h.parent?.id}` } : { path: `/crm/customers/${h.parent?.id}` }),
  },
  lead: { area: 'crm.leads', to: (h) => ({ path: `/crm/leads/${h.id}` }) },
}

export function searchTarget(hit: SearchHit, areas: readonly string[]): RouteLocationRaw | null {
  const t = SEARCH_TARGETS[hit.kind]
  if (!t || (hit.kind === 'activity' && !hit.parent)) return null
  const area = typeof t.area === 'function' ? t.area(hit) : t.area
  return areas.includes(area) ? t.to(hit) : null
}
