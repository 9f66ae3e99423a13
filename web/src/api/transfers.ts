// Transfer requests (转移申请): ask the owner of a customer for it; the owner or a manager accepts
// or declines; the requester may withdraw. Mirrors src/domain/crm/transfer.rs.
import { http } from './client'
import type { NamedRef, Page } from './types'

export type TransferStatus = 'pending' | 'accepted' | 'declined' | 'withdrawn'

export interface TransferRequest {
  id: number
  version: number
  /** The customer's id (known to the requester from its `transfer_ref`). */
  customer_id: number
  /** Only for a caller who may open the customer (the requester once it is accepted). */
  customer_name: string | null
  /** What the requester called the firm when asking. */
  label: string | null
  requester: NamedRef
  /** The owner when the request was made. */
  owner: NamedRef
  note: string | null
  status: TransferStatus
  decided_by: NamedRef | null
  decided_at: string | null
  decision_note: string | null
  created_at: string
  may_decide: boolean
  may_withdraw: boolean
}

export interface TransferRequestInput {
  /** The duplicate check's `transfer_ref`: opaque, good only for the user it was given to. */
  transfer_ref: string
  label?: string | null
  note?: string | null
}

export interface DecisionInput {
  version?: number
  /** Required when declining. */
  note?: string | null
}

export const transferApi = {
  incoming: () => http.get<Page<TransferRequest>>('/transfer-requests', { direction: 'incoming' }),
  outgoing: (status?: TransferStatus) => http.get<Page<TransferRequest>>('/transfer-requests', { direction: 'outgoing', status }),
  create: (input: TransferRequestInput) => http.post<TransferRequest>('/transfer-requests', input),
  accept: (id: number, input: DecisionInput = {}) => http.post<TransferRequest>(`/transfer-requests/${id}/accept`, input),
  decline: (id: number, input: DecisionInput) => http.post<TransferRequest>(`/transfer-requests/${id}/decline`, input),
  withdraw: (id: number, input: DecisionInput = {}) => http.post<TransferRequest>(`/transfer-requests/${id}/withdraw`, input),
}
