// The goods screens' logic, apart from the views so it can be tested: the receiving form's checks
// (the same rules the server applies, so the worker sees them on the line before sending), where a
// server error on `lines[i].x` belongs, quantities and rates as shown.
import type { InspectionInput, PoLine } from '@/api/goods'
import { intlLocale } from '@/time'
import { compareDecimals, isDecimal, normalizeDecimal, plainDecimal, signOf, subtractDecimals } from '../sales/decimal'

/** One line of the receiving form as typed. */
export interface ReceiptRow {
  /** The purchase order's line (0-based). */
  line: number
  inspected: string
  rejected: string
  reason: string
}

/** What is wrong with a row: the field and the message key (goods.receive.err.*). */
export interface RowError {
  field: 'inspected' | 'rejected' | 'reason'
  key: string
  params?: Record<string, string>
}

/** Ordered − received − rejected, never below zero: what the supplier still owes on a line. */
export function outstanding(line: Pick<PoLine, 'quantity' | 'received' | 'rejected'>): string {
  const left = subtractDecimals(subtractDecimals(line.quantity, line.received) ?? '0', line.rejected) ?? '0'
  return signOf(left) > 0 ? left : '0'
}

/** Passed = inspected − rejected, as the server takes it; '' while either is not a number. */
export function passedOf(row: Pick<ReceiptRow, 'inspected' | 'rejected'>): string {
  const inspected = normalizeDecimal(row.inspected)
  const rejected = normalizeDecimal(row.rejected) || '0'
  if (!isDecimal(inspected) || !isDecimal(rejected)) return ''
  const p = subtractDecimals(inspected, rejected)
  return p === null || signOf(p) < 0 ? '' : p
}

/** Whether a row says anything (an empty row is left out of the receipt). */
export function rowFilled(row: ReceiptRow): boolean {
  return normalizeDecimal(row.inspected) !== '' || normalizeDecimal(row.rejected) !== ''
}

/** The checks of one row; null when it is fine (or empty). */
export function checkRow(row: ReceiptRow): RowError | null {
  if (!rowFilled(row)) return null
  const inspected = normalizeDecimal(row.inspected)
  const rejected = normalizeDecimal(row.rejected) || '0'
  if (!isDecimal(inspected)) return { field: 'inspected', key: 'goods.receive.err.quantity' }
  if (signOf(inspected) <= 0) return { field: 'inspected', key: 'goods.receive.err.positive' }
  if (!isDecimal(rejected)) return { field: 'rejected', key: 'goods.receive.err.quantity' }
  if (compareDecimals(rejected, inspected) === 1) return { field: 'rejected', key: 'goods.receive.err.rejected_over' }
  if (signOf(rejected) > 0 && !row.reason.trim()) return { field: 'reason', key: 'goods.receive.err.reason' }
  return null
}

/**
 * The receipt's lines as the server takes them, or the errors per PO line. `sent[i]` is the PO
 * line of the receipt's line i, to place the server's `lines[i].…` errors.
 */
export function receiptLines(rows: readonly ReceiptRow[]): { lines: InspectionInput[]; sent: number[]; errors: Record<number, RowError> } {
  const errors: Record<number, RowError> = {}
  const lines: InspectionInput[] = []
  const sent: number[] = []
  for (const r of rows) {
    const err = checkRow(r)
    if (err) {
      errors[r.line] = err
      continue
    }
    if (!rowFilled(r)) continue
    const rejected = normalizeDecimal(r.rejected) || '0'
    lines.push({
      line: r.line,
      inspected: plainDecimal(normalizeDecimal(r.inspected)) ?? r.inspected,
      rejected: plainDecimal(rejected) ?? rejected,
      reason: r.reason.trim() || null,
    })
    sent.push(r.line)
  }
  return { lines, sent, errors }
}

/**
 * A server error's field (`lines[2].passed`) as the PO line and the form's field it belongs to,
 * or null for an error about the whole receipt (`warehouse_id`, `date`, `status`).
 */
export function errorLine(field: string | null | undefined, sent: readonly number[]): { line: number; field: RowError['field'] } | null {
  const m = field ? /^lines\[(\d+)\]\.(\w+)$/.exec(field) : null
  if (!m) return null
  const line = sent[Number(m[1])]
  if (line === undefined) return null
  const f = m[2] === 'reason' ? 'reason' : m[2] === 'rejected' ? 'rejected' : 'inspected'
  return { line, field: f }
}

/** A quantity as the viewer reads it: grouped digits, every decimal it has ("1,250.5"). */
export function formatQty(q: string | null | undefined, lang: string): string {
  if (q === null || q === undefined || q === '') return '—'
  const plain = plainDecimal(q)
  if (plain === null && !/^-\d/.test(q)) return q
  try {
    const decimals = (plain ?? q).split('.')[1]?.length ?? 0
    const nf = new Intl.NumberFormat(intlLocale(lang), { maximumFractionDigits: Math.min(20, decimals) })
    return nf.format((plain ?? q) as unknown as number)
  } catch {
    return q
  }
}

/** A rate in percent as the server sends it ("97.5") → "97.5 %"; "—" before there is one. */
export function formatRate(rate: string | null | undefined, lang: string): string {
  if (rate === null || rate === undefined || rate === '') return '—'
  return `${formatQty(rate, lang)} %`
}

/** How far a line is received: passed ÷ ordered, percent, 0 … 100 (for a progress bar). */
export function receivedPercent(line: Pick<PoLine, 'quantity' | 'received'>): number {
  const q = Number(line.quantity)
  const r = Number(line.received)
  if (!(q > 0) || !(r >= 0)) return 0
  return Math.min(100, Math.round((r / q) * 100))
}
