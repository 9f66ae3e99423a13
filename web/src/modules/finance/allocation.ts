// Matching a receipt: Kontor's proposals as rows finance ticks and may change, checked before the
// server sees them (each amount above 0, in the currency's smallest unit, no more than the
// instalment still holds; together no more than the receipt has left).
import type { AllocationInput, Proposal } from '@/api/finance'
import { compareDecimals, fitsCurrency, isDecimal, moneyTotal, normalizeDecimal, signOf } from '@/modules/sales/decimal'

export interface MatchRow {
  /** order id and instalment: one row per instalment. */
  key: string
  proposal: Proposal
  checked: boolean
  /** As typed. */
  amount: string
}

export function matchRows(proposals: readonly Proposal[]): MatchRow[] {
  return proposals.map((p) => ({ key: `${p.order_id}:${p.instalment}`, proposal: p, checked: true, amount: p.amount.amount }))
}

export interface MatchCheck {
  /** row key → message key under `finance.receipt.check`. */
  errors: Record<string, string>
  /** The ticked amounts added up, in the receipt's currency. */
  total: string
  /** The ticked rows come to more than the receipt has left. */
  over: boolean
  /** Something is ticked and nothing is wrong. */
  ok: boolean
}

export function checkMatch(rows: readonly MatchRow[], available: string, currency: string): MatchCheck {
  const errors: Record<string, string> = {}
  const ticked = rows.filter((r) => r.checked)
  for (const r of ticked) {
    const a = normalizeDecimal(r.amount)
    if (!isDecimal(a) || signOf(a) <= 0) errors[r.key] = 'amount'
    else if (!fitsCurrency(a, currency)) errors[r.key] = 'decimals'
    else if (compareDecimals(a, r.proposal.outstanding.amount) === 1) errors[r.key] = 'above_outstanding'
  }
  const total = moneyTotal(
    ticked.map((r) => normalizeDecimal(r.amount)),
    currency,
  )
  const over = compareDecimals(total, available) === 1
  return { errors, total, over, ok: ticked.length > 0 && !over && Object.keys(errors).length === 0 }
}

export function matchInput(rows: readonly MatchRow[]): AllocationInput[] {
  return rows
    .filter((r) => r.checked)
    .map((r) => ({ order_id: r.proposal.order_id, instalment: r.proposal.instalment, amount: normalizeDecimal(r.amount) }))
}
