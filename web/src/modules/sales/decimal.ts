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

/**
 * Back to a decimal string, keeping at least `keep` decimals (trailing zeros beyond them dropped):
 * (72000n, 6) → "0.072"; (160000n, 2) with keep 2 → "1600.00"; negative values keep their sign.
 */
function print({ value, scale }: Scaled, keep = 0): string {
  const neg = value < 0n
  const digits = (neg ? -value : value).toString().padStart(scale + 1, '0')
  const int = digits.slice(0, digits.length - scale)
  let frac = digits.slice(digits.length - scale).replace(/0+$/, '')
  if (frac.length < keep) frac = frac.padEnd(keep, '0')
  const out = frac ? `${int}.${frac}` : int
  return neg && /[1-9]/.test(out) ? `-${out}` : out
}

/** Rounds to `places` decimals, half away from zero (四舍五入), as the server does. */
function round(x: Scaled, places: number): Scaled {
  if (x.scale <= places) return x
  const neg = x.value < 0n
  const a = neg ? -x.value : x.value
  const div = 10n ** BigInt(x.scale - places)
  const q = a / div
  const r = a % div
  const v = r * 2n >= div ? q + 1n : q
  return { value: neg ? -v : v, scale: places }
}

/** A decimal that may be negative ("-57.60", as exchange differences are). */
function signed(s: string): Scaled | null {
  const t = normalizeDecimal(s)
  const neg = t.startsWith('-')
  const x = scaled(neg ? t.slice(1) : t.replace(/^\+/, ''))
  if (!x) return null
  return neg ? { value: -x.value, scale: x.scale } : x
}

/** Both at the larger scale. */
function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale)
  return [a.value * 10n ** BigInt(scale - a.scale), b.value * 10n ** BigInt(scale - b.scale), scale]
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

/**
 * Currencies whose smallest unit is the whole unit; every other currency Kontor knows has cents.
 * The server's table (src/domain/money.rs WHOLE_UNIT): amounts round to these decimals there.
 */
const WHOLE_UNIT = ['JPY', 'KRW', 'VND', 'CLP']

/** Decimals of a currency's smallest unit, as the server rounds (USD 2, JPY 0). */
export function minorUnits(currency: string): number {
  return WHOLE_UNIT.includes(currency.toUpperCase()) ? 0 : 2
}

/**
 * "USD 3.20", "USD 0.0725", "JPY 1,200" in the UI language: at least the currency's usual
 * decimals, and every decimal the amount has (a unit price may have more than the cents). The
 * string is formatted as it is, not through a float.
 */
export function formatPrice(amount: string | null | undefined, currency: string, lang: string): string {
  if (amount === null || amount === undefined || amount === '') return ''
  const x = signed(amount)
  if (!x) return `${currency} ${amount}`
  const min = minorUnits(currency)
  try {
    const nf = new Intl.NumberFormat(intlLocale(lang), {
      style: 'currency',
      currency,
      currencyDisplay: 'code',
      minimumFractionDigits: min,
      maximumFractionDigits: Math.min(20, Math.max(min, x.scale)),
    })
    // Intl formats a numeric string exactly (no float in between); lib ES2022 types only numbers.
    return nf.format(print(x, x.scale) as unknown as number)
  } catch {
    return `${currency} ${amount}`
  }
}

// ---- money: line amounts and totals as the server computes them ----------------------------

/** Rounds an amount to the currency's smallest unit, half away from zero ("76.9995" USD → "77.00"). */
export function roundMoney(amount: string, currency: string): string | null {
  const x = signed(amount)
  if (!x) return null
  const places = minorUnits(currency)
  return print(round(x, places), places)
}

/**
 * A line's amount: quantity × unit price, less the discount percent, rounded to the currency's
 * smallest unit half away from zero (src/domain/sales/lines.rs `line_amount`). Null while a
 * figure is missing or not a number; an empty discount is none.
 */
export function lineAmount(quantity: string, unitPrice: string, discountPercent: string | null | undefined, currency: string): string | null {
  const q = scaled(quantity)
  const p = scaled(unitPrice)
  if (!q || !p) return null
  let gross: Scaled = { value: q.value * p.value, scale: q.scale + p.scale }
  const d = discountPercent === null || discountPercent === undefined || normalizeDecimal(discountPercent) === '' ? null : scaled(discountPercent)
  if (discountPercent && normalizeDecimal(discountPercent) !== '' && !d) return null
  if (d) {
    // gross × (100 − d) / 100, exactly: (100 − d) at d's scale, then two more decimals for ÷ 100.
    const rest = 100n * 10n ** BigInt(d.scale) - d.value
    gross = { value: gross.value * rest, scale: gross.scale + d.scale + 2 }
  }
  const places = minorUnits(currency)
  return print(round(gross, places), places)
}

/** The sum of decimal strings (the document total is the sum of its rounded lines); null if one is not a number. */
export function sumDecimals(amounts: readonly string[]): string | null {
  let acc: Scaled = { value: 0n, scale: 0 }
  for (const a of amounts) {
    const x = signed(a)
    if (!x) return null
    const [l, r, scale] = align(acc, x)
    acc = { value: l + r, scale }
  }
  return print(acc, acc.scale)
}

/** A money total in the currency's decimals ("1677.00"); amounts that are not numbers are left out. */
export function moneyTotal(amounts: readonly (string | null)[], currency: string): string {
  const sum = sumDecimals(amounts.filter((a): a is string => a !== null && signed(a) !== null))
  return roundMoney(sum ?? '0', currency) ?? '0'
}

/** a − b, exactly; null if either is not a number. */
export function subtractDecimals(a: string, b: string): string | null {
  const x = signed(a)
  const y = signed(b)
  if (!x || !y) return null
  const [l, r, scale] = align(x, y)
  return print({ value: l - r, scale }, 0)
}

/** −1, 0 or 1 as a is below, equal to or above b; null if either is not a number. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 | null {
  const x = signed(a)
  const y = signed(b)
  if (!x || !y) return null
  const [l, r] = align(x, y)
  return l < r ? -1 : l > r ? 1 : 0
}

/** The sign of a decimal string: −1, 0, 1 (0 for what is not a number). */
export function signOf(amount: string | null | undefined): -1 | 0 | 1 {
  const x = amount ? signed(amount) : null
  if (!x) return 0
  return x.value < 0n ? -1 : x.value > 0n ? 1 : 0
}

/** Whether the amount has no more decimals than the currency's smallest unit (a bank amount). */
export function fitsCurrency(amount: string, currency: string): boolean {
  const x = scaled(amount)
  if (!x) return false
  return compareDecimals(print(x, 0), roundMoney(print(x, 0), currency) ?? '') === 0
}

/** The number without trailing zeros, as the server's `normalize` writes it ("30.0" → "30"); null if not a number. */
export function plainDecimal(amount: string): string | null {
  const x = signed(amount)
  return x ? print(x, 0) : null
}
