// Import helpers without a screen (unit-tested): column mapping ↔ saved mapping, checks before a
// dry run, progress, file size.
import type { ImportProgress, Mapping } from '@/api/imports'

/** header → field, for saving a mapping under a name (the server stores it by header). */
export function mappingToColumns(headers: readonly string[], mapping: Mapping): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  headers.forEach((h, i) => {
    if (h.trim() === '') return
    // A header that appears twice keeps its first column's field.
    if (!(h in out)) out[h] = mapping[i] ?? null
  })
  return out
}

/** The fields mapped from more than one column (the dry run would refuse or mix them). */
export function fieldsMappedTwice(mapping: Mapping): string[] {
  const seen = new Map<string, number>()
  for (const f of mapping) if (f && !f.startsWith('custom:')) seen.set(f, (seen.get(f) ?? 0) + 1)
  return [...seen.entries()].filter(([, n]) => n > 1).map(([f]) => f)
}

/** Whether some column fills the customer's name (without it, every created row fails). */
export function mapsName(mapping: Mapping): boolean {
  return mapping.includes('name')
}

/** The mapping aligned with the headers (padded or cut), nulls for unmapped columns. */
export function alignMapping(headers: readonly string[], mapping: Mapping): Mapping {
  return headers.map((_, i) => mapping[i] ?? null)
}

/** Percent done of a commit (0 … 100). */
export function progressPercent(p: Pick<ImportProgress, 'rows_done' | 'total'>): number {
  if (!p.total) return 0
  return Math.min(100, Math.round((p.rows_done / p.total) * 100))
}

/** A file size for people: 512 B, 1.5 KB, 12.3 MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / (1024 * 1024)).toFixed(1)} MB`
}

const ACCEPTED = ['.csv', '.tsv', '.txt', '.xlsx']

/** Why a chosen file cannot be uploaded, before sending it: null when it may go. */
export function fileProblem(
  file: { name: string; size: number },
  maxBytes: number,
): { code: 'empty' | 'too_large' | 'type'; limit?: string; size?: string } | null {
  const lower = file.name.toLowerCase()
  if (!ACCEPTED.some((e) => lower.endsWith(e))) return { code: 'type' }
  if (file.size === 0) return { code: 'empty' }
  if (file.size > maxBytes) return { code: 'too_large', limit: formatBytes(maxBytes), size: formatBytes(file.size) }
  return null
}

/** Is the import still moving (poll it)? */
export function isBusy(status: string): boolean {
  return status === 'running' || status === 'reverting'
}
