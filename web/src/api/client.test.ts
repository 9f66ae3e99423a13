import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildUrl, configureClient, request } from './client'

function reply(status: number, body?: unknown) {
  return vi.fn(async (_url: string, _init?: RequestInit) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  )
}

afterEach(() => vi.unstubAllGlobals())

describe('API client', () => {
  it('builds URLs under /api/v1 and drops empty query values', () => {
    expect(buildUrl('/users', { q: '', page: 2, per_page: 50, kind: undefined })).toBe('/api/v1/users?page=2&per_page=50')
    expect(buildUrl('/search', { q: '华信 电子' })).toBe('/api/v1/search?q=%E5%8D%8E%E4%BF%A1+%E7%94%B5%E5%AD%90')
    expect(buildUrl('/me')).toBe('/api/v1/me')
  })

  it('sends the UI language and JSON', async () => {
    const fetch = reply(200, { ok: true })
    vi.stubGlobal('fetch', fetch)
    configureClient({ language: () => 'en' })
    await request('PATCH', '/me', { body: { language: 'en' } })
    const init = fetch.mock.calls[0][1]!
    const headers = init.headers as Record<string, string>
    expect(headers['Accept-Language']).toBe('en')
    expect(headers['Content-Type']).toBe('application/json')
    expect(init.body).toBe('{"language":"en"}')
  })

  it('turns the error body into an ApiError with code, message and field', async () => {
    vi.stubGlobal('fetch', reply(409, { error: { code: 'duplicate', message: 'This username is taken', field: 'username' } }))
    const e = await request('POST', '/users', { body: {} }).catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ status: 409, code: 'duplicate', message: 'This username is taken', field: 'username' })
  })

  it('calls the 401 handler, except where the caller handles 401 itself', async () => {
    const onUnauthorized = vi.fn()
    configureClient({ onUnauthorized })
    vi.stubGlobal('fetch', reply(401, { error: { code: 'unauthenticated', message: 'Please log in' } }))
    await request('GET', '/users').catch(() => {})
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    await request('POST', '/auth/login', { allow401: true }).catch(() => {})
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('gives a readable message when the server is unreachable or answers without JSON', async () => {
    configureClient({ networkMessage: (s) => (s ? `server error ${s}` : 'offline') })
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    await expect(request('GET', '/me')).rejects.toMatchObject({ status: 0, message: 'offline' })
    vi.stubGlobal('fetch', vi.fn(async () => new Response('Bad Gateway', { status: 502 })))
    await expect(request('GET', '/me')).rejects.toMatchObject({ status: 502, message: 'server error 502' })
  })

  it('returns nothing for 204', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })))
    await expect(request('POST', '/auth/logout')).resolves.toBeUndefined()
  })
})
