// Merge helpers without a screen (unit-tested): what a field shows, and which record's value
// survives by default.
import type { Customer } from '@/api/crm'
import { MERGEABLE_FIELDS, type MergeableField } from '@/api/dedup'

/** A field's value as text, for comparing and showing ('' when empty). */
export function fieldText(c: Customer, field: MergeableField): string {
  const v = (c as unknown as Record<string, unknown>)[field]
  if (v === null || v === undefined) return ''
  if (Array.isArray(v)) return v.join(', ')
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, string>)
      .map(([k, x]) => `${k}: ${x}`)
      .join('; ')
  }
  return String(v)
}

/** The fields where the records differ (the only ones worth a choice). */
export function differingFields(records: readonly Customer[]): MergeableField[] {
  return MERGEABLE_FIELDS.filter((f) => new Set(records.map((c) => fieldText(c, f))).size > 1)
}

/** Default choice per field: the survivor's value, or when it is empty the first record that has one. */
export function defaultSources(records: readonly Customer[], survivorId: number): Record<string, number> {
  const survivor = records.find((c) => c.id === survivorId)
  const out: Record<string, number> = {}
  for (const f of MERGEABLE_FIELDS) {
    if (survivor && fieldText(survivor, f) !== '') out[f] = survivorId
    else out[f] = records.find((c) => fieldText(c, f) !== '')?.id ?? survivorId
  }
  return out
}

/** The body's `fields`: only the fields whose value comes from a record other than the survivor. */
export function mergeFields(sources: Record<string, number>, survivorId: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [f, id] of Object.entries(sources)) if (id !== survivorId) out[f] = id
  return out
}
