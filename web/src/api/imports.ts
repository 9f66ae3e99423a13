// Import (CRM-8) and export of customers. Mirrors src/api/imports.rs and src/domain/import/*.rs.
import { ApiError, buildUrl, request } from './client'
import type { Page } from './types'
import type { CustomerQuery } from './crm'

export type ImportStatus = 'uploaded' | 'running' | 'done' | 'failed' | 'interrupted' | 'reverting' | 'reverted'
export type ImportMode = 'create' | 'upsert' | 'update'
export const IMPORT_MODES: ImportMode[] = ['create', 'upsert', 'update']
export type MatchKey = 'name' | 'email' | 'website' | 'phone'
export const MATCH_KEYS: MatchKey[] = ['name', 'email', 'website', 'phone']
export type Mapping = (string | null)[]

export interface ImportProgress {
  rows_done: number
  total: number
  created: number
  updated: number
  skipped: number
  warnings: number
  last_row: number
  reverted: number
  revert_skipped: number
  revert_last_row: number
  issues_stored: number
}

export interface ImportRecord {
  id: number
  kind: string
  filename: string
  format: 'csv' | 'xlsx'
  encoding: string | null
  delimiter: string | null
  sheet: string | null
  size: number
  header_row: number
  headers: string[]
  rows: number
  status: ImportStatus
  mode: ImportMode | null
  key: MatchKey | null
  mapping: Mapping | null
  progress: ImportProgress
  owner: { id: number; name: string } | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  reverted_at: string | null
  failure: string | null
}

export interface ImportField {
  key: string
  name: string
}

export interface ImportPreview {
  header_row: number
  headers: string[]
  rows: { row: number; cells: string[] }[]
  mapping: Mapping
  fields: ImportField[]
  saved: string[]
}

export interface ImportOptions {
  mode: ImportMode
  key: MatchKey
  mapping?: Mapping
  mapping_name?: string
  owner_id?: number
  /** Who gets rows without an owner: a user, a team's members in turn, or the public pool. */
  default_owner?: { user_id?: number; team_id?: number; pool?: boolean }
}

export interface RowIssue {
  row: number
  column: string | null
  header: string | null
  field: string | null
  code: string
  severity: 'error' | 'warning'
  message: string
}

export interface ImportDuplicate {
  row: number
  key: MatchKey
  value: string
  of_row: number | null
  customer_id: number | null
  /** A lead of the same firm (when the caller may see it). */
  lead_id: number | null
  /** The existing record's name, when the caller may see it. */
  customer_name: string | null
  owner: string | null
  /** Why it may be the same firm, in the caller's language. */
  reasons: string[]
  blocking: boolean
}

export interface DryRun {
  counts: {
    rows: number
    create: number
    update: number
    errors: number
    warnings: number
    duplicates_in_file: number
    duplicates_in_db: number
  }
  mapping: Mapping
  mode: ImportMode
  key: MatchKey
  issues: RowIssue[]
  duplicates: ImportDuplicate[]
  truncated: boolean
}

export interface SavedMapping {
  name: string
  kind: string
  columns: Record<string, string | null>
  updated_at: string
}

/** The server's upload limit (src/domain/import/mod.rs MAX_UPLOAD). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024

export type ExportFormat = 'csv' | 'xlsx'
export type ExportEncoding = 'utf8' | 'gbk'

const enc = encodeURIComponent

/** The upload sends the file as the raw body (not JSON), so it does its own fetch. */
async function uploadFile(file: Blob, filename: string, lang: string): Promise<ImportRecord> {
  let res: Response
  try {
    res = await fetch(buildUrl('/imports', { kind: 'customers', filename }), {
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
    if (err) throw new ApiError(res.status, err.code, err.message, err.field ?? null)
    throw new ApiError(res.status, `http_${res.status}`, `HTTP ${res.status}`)
  }
  return data as ImportRecord
}

export const importApi = {
  upload: uploadFile,
  list: (q: { page?: number; per_page?: number } = {}) => request<Page<ImportRecord>>('GET', '/imports', { query: q }),
  get: (id: number) => request<ImportRecord>('GET', `/imports/${id}`),
  preview: (id: number, mappingName?: string) =>
    request<ImportPreview>('GET', `/imports/${id}/preview`, { query: { mapping_name: mappingName } }),
  dryRun: (id: number, options: ImportOptions) => request<DryRun>('POST', `/imports/${id}/dry-run`, { body: options }),
  commit: (id: number, options: ImportOptions) => request<ImportRecord>('POST', `/imports/${id}/commit`, { body: options }),
  revert: (id: number) => request<ImportRecord>('POST', `/imports/${id}/revert`),
  issues: (id: number, q: { page?: number; per_page?: number } = {}) =>
    request<Page<RowIssue>>('GET', `/imports/${id}/issues`, { query: q }),
  mappings: () => request<SavedMapping[]>('GET', '/import-mappings'),
  saveMapping: (name: string, columns: Record<string, string | null>) =>
    request<SavedMapping>('POST', '/import-mappings', { body: { name, kind: 'customers', columns } }),
  deleteMapping: (name: string) => request<void>('DELETE', `/import-mappings/${enc(name)}`),
  /** The URL of the customer list as filtered, as a file (the browser downloads it). */
  exportUrl: (q: CustomerQuery, format: ExportFormat, encoding?: ExportEncoding) => {
    const query: Record<string, string | number | boolean | undefined | null> = {}
    for (const [k, v] of Object.entries(q)) if (k !== 'page' && k !== 'per_page') query[k] = v as string | number | undefined
    query.format = format
    if (format === 'csv' && encoding) query.encoding = encoding
    return buildUrl('/customers/export', query)
  },
}
