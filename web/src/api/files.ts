// Files on records (PLT-3): list, upload with progress, delete. Downloads are plain links to
// `content_url` (the server sends Content-Disposition with the file's name).
import { ApiError, buildUrl, http } from './client'
import type { ErrorBody, NamedRef } from './types'

/** The record kinds that take files, as their collections are named in URLs. */
export type AttachmentParent = 'customers' | 'activities' | 'project-tasks'

export interface Attachment {
  id: number
  parent_kind: string
  parent_id: number
  name: string
  content_type: string
  size: number
  sha256: string
  version: number
  /** The newest live version of its name. */
  latest: boolean
  uploaded_by: NamedRef | null
  uploaded_at: string
  content_url: string
  thumbnail_url: string | null
  record_version: number
}

export const files = {
  list: (parent: AttachmentParent, id: number) => http.get<Attachment[]>(`/${parent}/${id}/attachments`),
  remove: (a: Attachment) => http.del<void>(`/attachments/${a.id}`, { version: a.record_version }),
  /** Uploads one file; `progress` gets 0–100. Errors are `ApiError`s like every other call. */
  upload(parent: AttachmentParent, id: number, file: File, language: string, progress?: (percent: number) => void): Promise<Attachment> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open('POST', buildUrl(`/${parent}/${id}/attachments`))
      xhr.setRequestHeader('Accept', 'application/json')
      xhr.setRequestHeader('Accept-Language', language)
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && progress) progress(Math.round((e.loaded / e.total) * 100))
      }
      xhr.onerror = () => reject(new ApiError(0, 'network', ''))
      xhr.onload = () => {
        let data: unknown
        try {
          data = JSON.parse(xhr.responseText)
        } catch {
          data = undefined
        }
        if (xhr.status >= 200 && xhr.status < 300) return resolve(data as Attachment)
        const err = (data as ErrorBody | undefined)?.error
        reject(err ? new ApiError(xhr.status, err.code, err.message, err.field ?? null) : new ApiError(xhr.status, `http_${xhr.status}`, `HTTP ${xhr.status}`))
      }
      const form = new FormData()
      form.append('file', file, file.name)
      xhr.send(form)
    })
  },
}

/** "12 KB", "3.4 MB" (1024-based, like the server's limit). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** An icon family for a content type. */
export function fileFamily(contentType: string): 'image' | 'pdf' | 'sheet' | 'doc' | 'slides' | 'archive' | 'text' | 'other' {
  const t = contentType.split(';')[0]
  if (t.startsWith('image/')) return 'image'
  if (t === 'application/pdf') return 'pdf'
  if (t.includes('spreadsheet') || t === 'application/vnd.ms-excel' || t === 'text/csv') return 'sheet'
  if (t.includes('presentation') || t === 'application/vnd.ms-powerpoint') return 'slides'
  if (t.includes('word') || t.includes('opendocument.text') || t === 'application/rtf') return 'doc'
  if (t === 'application/zip') return 'archive'
  if (t.startsWith('text/')) return 'text'
  return 'other'
}
