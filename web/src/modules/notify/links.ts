import type { RouteLocationRaw } from 'vue-router'
import type { Notification } from '@/api/notifications'
import { recordTarget } from '@/searchTargets'

/**
 * Where clicking a notification goes: its record's screen (the module of the record's kind says
 * where, as for a search hit), or the screen that handles it. The server names a record only
 * when the reader may open it now.
 */
export function notificationLink(n: Pick<Notification, 'kind' | 'record'>): RouteLocationRaw | null {
  if (n.record) return recordTarget(n.record, null)
  if (n.kind === 'handover_received') return '/crm/customers'
  return null
}
