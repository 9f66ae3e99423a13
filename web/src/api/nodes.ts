// An order's follow-up nodes (SAL-5): the node line on the order page, completing a node by
// hand, the node templates, and the board of open orders by their current node.
import { http } from './client'
import type { Page } from './types'
import type { components, operations } from './schema'

type Schemas = components['schemas']

export type NodeLine = Schemas['NodeLine']
export type NodeView = Schemas['NodeView']
export type Board = Schemas['Board']
export type BoardColumn = Schemas['BoardColumn']
export type BoardCard = Schemas['BoardCard']
export type BoardQuery = NonNullable<operations['board']['parameters']['query']>
export type NodeTemplate = Schemas['NodeTemplateView']

export const nodesApi = {
  /** Done today (or on `date`) by the caller, with a note; answers the order's node line. */
  complete: (orderId: number, key: string, body: { note?: string | null; date?: string | null; version?: number }) =>
    http.post<NodeLine>(`/orders/${orderId}/nodes/${encodeURIComponent(key)}/complete`, body),
  /** Open again (the completion stays in the audit log). */
  reopen: (orderId: number, key: string, body: { note?: string | null; version?: number }) =>
    http.post<NodeLine>(`/orders/${orderId}/nodes/${encodeURIComponent(key)}/reopen`, body),
  board: (q: BoardQuery = {}) => http.get<Board>('/orders/board', { ...q }),
  templates: () => http.get<Page<NodeTemplate>>('/order-node-templates'),
}
