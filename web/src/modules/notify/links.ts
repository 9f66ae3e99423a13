import type { Notification } from '@/api/notifications'

/** Where clicking a notification goes: the record's screen, or the screen that handles it. */
export function notificationLink(n: Pick<Notification, 'kind' | 'record'>): string | null {
  const r = n.record
  if (r) {
    switch (r.kind) {
      case 'customer':
        return `/crm/customers/${r.id}`
      case 'lead':
        return `/crm/leads/${r.id}`
      case 'contact':
        return `/crm/contacts/${r.id}`
      // Requests are decided (and the requester's own followed) on My day.
      case 'transfer_request':
        return '/crm/my-day'
    }
  }
  if (n.kind === 'handover_received') return '/crm/customers'
  return null
}
