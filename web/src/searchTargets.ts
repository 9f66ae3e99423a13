// Where a global search hit leads, per kind: each module declares its kinds' targets
// (modules/<area>/index.ts, `targets`). A hit whose kind has none (or whose area the user may not
// open) is shown without a link.
import type { RouteLocationRaw } from 'vue-router'
import type { SearchHit } from '@/api'
import { MODULES, recordTargets } from '@/modules'
import type { RecordRef, RecordTarget } from '@/modules/types'

export const SEARCH_TARGETS: Record<string, RecordTarget> = recordTargets(MODULES)

/** The kinds some module can open. */
export function openableKinds(): string[] {
  return Object.keys(SEARCH_TARGETS)
}

/** The screen of a record, or null when no module opens its kind or this record. */
export function recordTarget(r: RecordRef, areas: readonly string[] | null): RouteLocationRaw | null {
  const t = SEARCH_TARGETS[r.kind]
  if (!t) return null
  const area = typeof t.area === 'function' ? t.area(r) : t.area
  if (areas && !areas.includes(area)) return null
  return t.to(r)
}

export function searchTarget(hit: SearchHit, areas: readonly string[]): RouteLocationRaw | null {
  return recordTarget(hit, areas)
}
