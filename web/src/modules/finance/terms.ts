// Payment terms templates: the parts as typed ↔ the API, the live "adds up to 100 %" check and
// each part worded as the server words it (src/domain/sales/terms.rs `describe`).
import type { Anchor, Method, TermPart, Terms, TermsInput } from '@/api/finance'
import { METHOD_CODES } from '@/api/finance'
import { compareDecimals, isDecimal, normalizeDecimal, plainDecimal, signOf, sumDecimals } from '@/modules/sales/decimal'

export interface PartRow {
  label_zh: string
  label_en: string
  /** Percent of the order total, as typed ("30", "33.3"). */
  percent: string
  method: Method
  anchor: Anchor
  /** Days after the anchor date (negative: before it), as typed. */
  days: string
  month_end: boolean
}

export interface TermsForm {
  name_zh: string
  name_en: string
  active: boolean
  parts: PartRow[]
}

export function blankPart(): PartRow {
  return { label_zh: '', label_en: '', percent: '', method: 'tt', anchor: 'order_date', days: '0', month_end: false }
}

/** A new template: a deposit and a balance after the B/L date, the usual shape. */
export function blankTerms(): TermsForm {
  return {
    name_zh: '',
    name_en: '',
    active: true,
    parts: [
      { ...blankPart(), label_zh: '定金', label_en: 'Deposit', percent: '30' },
      { ...blankPart(), label_zh: '尾款', label_en: 'Balance', percent: '70', anchor: 'bl_date' },
    ],
  }
}

export function termsToForm(t: Terms): TermsForm {
  return {
    name_zh: t.name_zh,
    name_en: t.name_en,
    active: t.active,
    parts: t.parts.map((p) => ({ ...p, days: String(p.days), month_end: !!p.month_end })),
  }
}

export interface TermsSum {
  /** The shares added up, exactly ("100", "99.9"); null while one is not a number. */
  sum: string | null
  /** Exactly 100, as the server requires. */
  ok: boolean
}

/** The shares added up: a template's must come to exactly 100 %. */
export function termsSum(parts: readonly Pick<PartRow, 'percent'>[]): TermsSum {
  const values = parts.map((p) => normalizeDecimal(p.percent))
  if (!values.length || values.some((v) => !isDecimal(v))) return { sum: values.length ? null : '0', ok: false }
  const total = sumDecimals(values)
  const sum = total === null ? null : plainDecimal(total)
  return { sum, ok: sum !== null && compareDecimals(sum, '100') === 0 }
}

const DAYS = /^[+-]?\d{1,4}$/

/** Checks needing no server, keyed like its errors (`parts[1].percent`): message keys under `finance.terms.check`. */
export function checkTerms(form: TermsForm): Record<string, string> {
  const out: Record<string, string> = {}
  if (!form.name_zh.trim()) out.name_zh = 'name_required'
  if (!form.name_en.trim()) out.name_en = 'name_required'
  if (!form.parts.length || form.parts.length > 12) out.parts = 'parts_count'
  form.parts.forEach((p, i) => {
    const f = (n: string) => `parts[${i}].${n}`
    if (!p.label_zh.trim()) out[f('label_zh')] = 'label_required'
    if (!p.label_en.trim()) out[f('label_en')] = 'label_required'
    const pct = normalizeDecimal(p.percent)
    if (!isDecimal(pct) || signOf(pct) <= 0 || compareDecimals(pct, '100') === 1) out[f('percent')] = 'percent'
    const d = normalizeDecimal(p.days)
    if (!DAYS.test(d) || Math.abs(Number(d)) > 730) out[f('days')] = 'days'
  })
  if (!out.parts && form.parts.length && !termsSum(form.parts).ok && !form.parts.some((_, i) => out[`parts[${i}].percent`])) out.parts = 'sum'
  return out
}

function partOf(p: PartRow): TermPart {
  return {
    label_zh: p.label_zh.trim(),
    label_en: p.label_en.trim(),
    percent: normalizeDecimal(p.percent),
    method: p.method,
    anchor: p.anchor,
    days: Number(normalizeDecimal(p.days)),
    month_end: p.month_end,
  }
}

export function termsInput(form: TermsForm, version?: number): TermsInput {
  return {
    name_zh: form.name_zh.trim(),
    name_en: form.name_en.trim(),
    active: form.active,
    parts: form.parts.map(partOf),
    ...(version === undefined ? {} : { version }),
  }
}

const ANCHOR_NAMES: Record<Anchor, [string, string]> = {
  order_date: ['下单日', 'order date'],
  bl_date: ['提单日', 'B/L date'],
  eta: ['到港日', 'ETA'],
  delivery: ['交付日', 'delivery'],
}

/**
 * A part worded as on the documents, the server's way: "30% T/T Deposit on the order date",
 * "70% T/T 尾款 提单日后 15 天". Null while the part is not complete.
 */
export function describePart(p: PartRow, lang: string): string | null {
  const zh = lang.startsWith('zh')
  const pct = normalizeDecimal(p.percent)
  const d = normalizeDecimal(p.days)
  if (!isDecimal(pct) || !DAYS.test(d)) return null
  const days = Number(d)
  const anchor = ANCHOR_NAMES[p.anchor][zh ? 0 : 1]
  const label = (zh ? p.label_zh : p.label_en).trim() || (zh ? p.label_en : p.label_zh).trim()
  let when: string
  if (days === 0 && !p.month_end) when = zh ? `${anchor}当日` : `on the ${anchor}`
  else if (zh) when = `${anchor}${p.month_end ? '当月月底' : ''}${days < 0 ? '前' : '后'} ${Math.abs(days)} 天`
  else when = `${Math.abs(days)} days ${days < 0 ? 'before' : 'after'} ${p.month_end ? 'the month end of ' : ''}the ${anchor}`
  return `${plainDecimal(pct)}% ${METHOD_CODES[p.method]} ${label} ${when}`.replace(/\s+/g, ' ')
}
