// Decimal strings as typed and as the server sends them ("3.20", "0.0725"): checked, computed and
// shown exactly, never through a float. The server keeps the decimals it is given.
import { intlLocale } from '@/time'

/** Full-width digits and points (typed with a Chinese input method) to ASCII; spaces removed. */
export function normalizeDecimal(raw: string): string {
  return raw
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\uFF0E\u3002]/g, '.')
    .replace(/[\s\u3000]/g, '')
}

const DECIMAL = /^\d+(\.\d+)?$/

/** A non-negative decimal such as "12", "3.20" or "0.0725" (after `normalizeDecimal`). */
export function isDecimal(s: string): boolean {
  return DECIMAL.test(s)
}

/** A whole number ("50"), as MOQ, units per carton or lead days take. */
export function isWholeNumber(s: string): boolean {
  return /^\d+$/.test(s) && s.length <= 9
}

/** A decimal as an integer and the number of its decimals: "3.20" → 320n, 2. */
interface Scaled {
  value: bigint
  scale: number
}

function scaled(s: string): Scaled | null {
  const m = DECIMAL.exec(normalizeDecimal(s))
  if (!m) return null
  const frac = m[1] ? m[1].slice(1) : ''
  const int = m[0].split('.')[0]
  return { value: BigInt(int + frac), scale: frac.length }
}

/** Back to a decimal string without trailing zeros: (72000n, 6) → "0.072". */
function print({ value, scale }: Scaled): string {
  const digits = value.toString().padStart(scale + 1, '0')
  const int = digits.slice(0, digits.length - scale)
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '')
  return frac ? `${int}.${frac}` : int
}

/** Rounds to `places` decimals, half away from zero (四舍五入; the values here are not negative). */
function round(x: Scaled, places: number): Scaled {
  if (x.scale <= places) return x
  const div = 10n ** BigInt(x.scale - places)
  const q = x.value / div
  const r = x.value % div
  return { value: r * 2n >= div ? q + 1n : q, scale: places }
}

/**
 * Cubic metres of one carton of l × w × h cm, to four places as the server computes it
 * (60 × 40 × 30 → "0.072"); null unless all three are decimals.
 */
export function cbmOf(dims: readonly string[]): string | null {
  if (dims.length !== 3) return null
  const parts = dims.map(scaled)
  if (parts.some((p) => p === null)) return null
  const product = (parts as Scaled[]).reduce((a, b) => ({ value: a.value * b.value, scale: a.scale + b.scale }))
  // cm³ → m³: divide by 1,000,000.
  return print(round({ value: product.value, scale: product.scale + 6 }, 4))
}

/** The decimals a currency is usually written with (USD 2, JPY 0). */
function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  } catch {
    return 2
  }
}

/**
 * "USD 3.20", "USD 0.0725", "JPY 1,200" in the UI language: at least the currency's usual
 * decimals, and every decimal the amount has (a unit price may have more than the cents). The
 * string is formatted as it is, not through a float.
 */
export function formatPrice(amount: string | null | undefined, currency: string, lang: string): string {
  if (amount === null || amount === undefined || amount === '') return ''
  const x = scaled(amount)
  if (!x) return `${currency} ${amount}`
  const min = currencyDigits(currency)
  try {
    const nf = new Intl.NumberFormat(intlLocale(lang), {
      style: 'currency',
      currency,
      currencyDisplay: 'code',
      minimumFractionDigits: min,
      maximumFractionDigits: Math.min(20, Math.max(min, x.scale)),
    })
    // Intl formats a numeric string exactly (no float in between); lib ES2022 types only numbers.
    return nf.format(normalizeDecimal(amount) as unknown as number)
  } catch {
    return `${currency} ${amount}`
  }
}
