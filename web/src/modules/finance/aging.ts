// Receivables by age: the buckets the server fills and totals per currency.
import type { AgingRow } from '@/api/finance'
import type { Money } from '@/api/sales'
import { moneyTotal } from '@/modules/sales/decimal'

export const BUCKETS = ['current', 'days_1_30', 'days_31_60', 'days_61_90', 'over_90'] as const
export type Bucket = (typeof BUCKETS)[number]

/**
 * The currencies of the rows: the one with the most rows first; on a tie a foreign currency
 * before the base currency (what an exporter invoices in), then by code.
 */
export function currenciesOf(rows: readonly AgingRow[], base = 'CNY'): string[] {
  const count = new Map<string, number>()
  for (const r of rows) count.set(r.total.currency, (count.get(r.total.currency) ?? 0) + 1)
  return [...count.entries()]
    .sort((a, b) => b[1] - a[1] || Number(a[0] === base) - Number(b[0] === base) || a[0].localeCompare(b[0]))
    .map(([c]) => c)
}

/** One total row per currency: each bucket and the total added up exactly. */
export function totalsByCurrency(rows: readonly AgingRow[]): (Record<Bucket | 'total', Money> & { currency: string })[] {
  return currenciesOf(rows)
    .sort()
    .map((currency) => {
      const mine = rows.filter((r) => r.total.currency === currency)
      const sum = (k: Bucket | 'total'): Money => ({ amount: moneyTotal(mine.map((r) => r[k].amount), currency), currency })
      return { currency, current: sum('current'), days_1_30: sum('days_1_30'), days_31_60: sum('days_31_60'), days_61_90: sum('days_61_90'), over_90: sum('over_90'), total: sum('total') }
    })
}
