// The caller's notifications (the in-app inbox). Mirrors src/domain/notify.rs and
// src/api/notifications.rs.
import { buildUrl, http } from './client'
import type { Page } from './types'

export type NotifyKind =
  | 'transfer_requested'
  | 'transfer_accepted'
  | 'transfer_declined'
  | 'customer_assigned'
  | 'lead_assigned'
  | 'handover_received'
  | 'task_assigned'
  | 'task_mentioned'

/** The record a notification leads to (an entity kind and id). */
export interface RecordRef {
  kind: string
  id: number
}

export interface Notification {
  id: number
  kind: NotifyKind
  /** Only when the viewer may open it now. */
  record: RecordRef | null
  /** Told by the server in the request's language. */
  text: string
  read: boolean
  read_at: string | null
  created_at: string
}

export interface UnreadCount {
  unread: number
}

export const notificationApi = {
  list: (q: { unread?: boolean; page?: number; per_page?: number } = {}) =>
    http.get<Page<Notification>>('/notifications', { unread: q.unread ? true : undefined, page: q.page, per_page: q.per_page }),
  unreadCount: () => http.get<UnreadCount>('/notifications/unread-count'),
  markRead: (id: number) => http.post<Notification>(`/notifications/${id}/read`),
  markAllRead: () => http.post<UnreadCount>('/notifications/read-all'),
  /** The URL of the server-sent events stream of the unread count. */
  streamUrl: () => buildUrl('/notifications/stream'),
}
