// The one place that talks HTTP. Screens call the typed functions in ./index.ts.
import type { ErrorBody } from './types'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | null

  constructor(status: number, code: string, message: string, field: string | null = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
  }
}

type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Do not run the global 401 handler (login, setup and the first /me probe handle 401 themselves). */
  allow401?: boolean
}

interface ClientHooks {
  language: () => string
  onUnauthorized: () => void
  /** Message used when the server cannot be reached or answers without a JSON error. */
  networkMessage: (status: number) => string
}

const hooks: ClientHooks = {
  language: () => 'zh-CN',
  onUnauthorized: () => {},
  networkMessage: (status) => (status ? `HTTP ${status}` : 'Network error'),
}

export function configureClient(h: Partial<ClientHooks>): void {
  Object.assign(hooks, h)
}

export function buildUrl(path: string, query?: Query): string {
  let url = `/api/v1${path}`
  if (query) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
    }
    const qs = params.toString()
    if (qs) url += `?${qs}`
  }
  return url
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': hooks.language(),
  }
  let body: string | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
    })
  } catch {
    throw new ApiError(0, 'network', hooks.networkMessage(0))
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let data: unknown = undefined
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = undefined
    }
  }
  if (!res.ok) {
    const err = (data as ErrorBody | undefined)?.error
    const e = err
      ? new ApiError(res.status, err.code, err.message, err.field ?? null)
      : new ApiError(res.status, `http_${res.status}`, hooks.networkMessage(res.status))
    if (res.status === 401 && !opts.allow401) hooks.onUnauthorized()
    throw e
  }
  return data as T
}

export const http = {
  get: <T>(path: string, query?: Query, opts: RequestOptions = {}) => request<T>('GET', path, { ...opts, query }),
  post: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('POST', path, { ...opts, body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  del: <T>(path: string, query?: Query) => request<T>('DELETE', path, { query }),
}
