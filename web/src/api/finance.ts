// Money in (FIN-1 … FIN-3): exchange rates, payment terms templates, receipts and their
// matching, receivables by age. Shapes from the server's OpenAPI document (`schema.d.ts`).
// Amounts and rates are decimal strings, never floats.
import { ApiError, buildUrl, http } from './client'
import type { Page } from './types'
import type { components, operations } from './schema'

type Schemas = components['schemas']

export type Rate = Schemas['RateView']
export type RateInput = Schemas['RateInput']
export type RateImport = Schemas['RateImport']
export type RateQuery = NonNullable<operations['list_rates']['parameters']['query']>

export type TermPart = Schemas['TermPart']
export type Terms = Schemas['TermsView']
export type TermsInput = Schemas['TermsInput']
export type Method = Schemas['Method']
export const METHODS: Method[] = ['tt', 'lc', 'dp', 'da', 'oa']
/** How a method is written on documents. */
export const METHOD_CODES: Record<Method, string> = { tt: 'T/T', lc: 'L/C', dp: 'D/P', da: 'D/A', oa: 'O/A' }
export type Anchor = Schemas['Anchor']
export const ANCHORS: Anchor[] = ['order_date', 'bl_date', 'eta', 'delivery']

export type ReceiptKind = Schemas['ReceiptKind']
export type ReceiptStatus = Schemas['ReceiptStatus']
export type Receipt = Schemas['ReceiptView']
export type ReceiptInput = Schemas['ReceiptInput']
export type ReceiptQuery = NonNullable<operations['list_receipts']['parameters']['query']>
export type Proposal = Schemas['Proposal']
export type MatchReason = Schemas['MatchReason']
export type AllocationInput = Schemas['AllocationInput']
export type AllocationRow = Schemas['AllocationRow']
export type RefundInput = Schemas['RefundInput']

export type AgingRow = Schemas['AgingRow']
export type AgingBy = 'customer' | 'owner'

/** The rates file goes as the raw body (not JSON), so the import does its own fetch. */
async function importRates(file: Blob, filename: string, lang: string): Promise<RateImport> {
  let res: Response
  try {
    res = await fetch(buildUrl('/exchange-rates/import', { filename }), {
      method: 'POST',
      headers: { Accept: 'application/json', 'Accept-Language': lang, 'Content-Type': 'application/octet-stream' },
      body: file,
      credentials: 'same-origin',
    })
  } catch {
    throw new ApiError(0, 'network', lang.startsWith('zh') ? '无法连接服务器' : 'Network error')
  }
  const text = await res.text()
  let data: unknown
  try {
    data = text ? JSON.parse(text) : undefined
  } catch {
    data = undefined
  }
  if (!res.ok) {
    const err = (data as { error?: { code: string; message: string; field?: string | null } } | undefined)?.error
    throw err ? new ApiError(res.status, err.code, err.message, err.field ?? null) : new ApiError(res.status, `http_${res.status}`, `HTTP ${res.status}`)
  }
  return data as RateImport
}

export const financeApi = {
  rates: (q: RateQuery = {}) => http.get<Page<Rate>>('/exchange-rates', { ...q }),
  /** Sets the rate of a currency for a date (replacing the one entered for that date). */
  setRate: (body: RateInput) => http.post<Rate>('/exchange-rates', body),
  deleteRate: (id: number, version: number) => http.del<void>(`/exchange-rates/${id}`, { version }),
  importRates,

  terms: () => http.get<Page<Terms>>('/payment-terms'),
  createTerms: (body: TermsInput) => http.post<Terms>('/payment-terms', body),
  updateTerms: (id: number, patch: TermsInput) => http.patch<Terms>(`/payment-terms/${id}`, patch),

  receipts: (q: ReceiptQuery = {}) => http.get<Page<Receipt>>('/receipts', { ...q }),
  receipt: (id: number) => http.get<Receipt>(`/receipts/${id}`),
  createReceipt: (body: ReceiptInput) => http.post<Receipt>('/receipts', body),
  allocate: (id: number, allocations: AllocationInput[], version: number) =>
    http.post<Receipt>(`/receipts/${id}/allocations`, { allocations, version }),
  unallocate: (id: number, index: number, version: number) => http.post<Receipt>(`/receipts/${id}/unallocate`, { index, version }),
  refund: (id: number, body: RefundInput) => http.post<Receipt>(`/receipts/${id}/refunds`, body),
  cancel: (id: number, reason: string | null, version: number) => http.post<Receipt>(`/receipts/${id}/cancel`, { reason, version }),

  aging: (by: AgingBy) => http.get<AgingRow[]>('/receivables/aging', { by }),
}
