// Amounts come from the server as decimal strings ("14598", "3.25"). Sums are done on scaled
// integers so 0.1 + 0.2 stays 0.3; money is always shown with its own currency.
import { intlLocale } from '@/time'

const SCALE = 10_000n

/** "12.5" → 125000n (four decimals); null for anything that is not a plain decimal. */
export function toScaled(amount: string | null | undefined): bigint | null {
  if (amount === null || amount === undefined) return null
  const s = String(amount).trim()
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s)
  if (!m) return null
  const frac = (m[3] ?? '').padEnd(4, '0').slice(0, 4)
  const v = BigInt(m[2]) * SCALE + BigInt(frac)
  return m[1] ? -v : v
}

export function fromScaled(v: bigint): string {
  const neg = v < 0n
  const a = neg ? -v : v
  const whole = a / SCALE
  const frac = (a % SCALE).toString().padStart(4, '0').replace(/0+$/, '')
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`
}

/** Totals per currency, currencies in alphabetical order. */
export function sumByCurrency(items: { amount: string | null; currency: string }[]): { currency: string; amount: string }[] {
  const sums = new Map<string, bigint>()
  for (const i of items) {
    const v = toScaled(i.amount)
    if (v === null) continue
    sums.set(i.currency, (sums.get(i.currency) ?? 0n) + v)
  }
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, v]) => ({ currency, amount: fromScaled(v) }))
}

/** "USD 14,598.00" style, in the UI language; the currency's own code stays visible. */
export function formatMoney(amount: string | null | undefined, currency: string, lang: string, compact = false): string {
  if (amount === null || amount === undefined || amount === '') return ''
  const n = Number(amount)
  if (!Number.isFinite(n)) return `${currency} ${amount}`
  try {
    return new Intl.NumberFormat(intlLocale(lang), {
      style: 'currency',
      currency,
      currencyDisplay: 'code',
      notation: compact ? 'compact' : 'standard',
      maximumFractionDigits: compact ? 1 : 2,
    }).format(n)
  } catch {
    return `${currency} ${n.toLocaleString(intlLocale(lang))}`
  }
}
