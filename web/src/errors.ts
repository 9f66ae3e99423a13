import { reactive } from 'vue'
import { ElMessage } from 'element-plus/es'
import 'element-plus/es/components/message/style/css'
import { ApiError } from './api/client'
import { i18n } from './i18n'

/** A message a person can read for any error. */
export function errorMessage(e: unknown): string {
  const t = i18n.global.t
  if (e instanceof ApiError) {
    if (e.status === 403 && !e.message) return t('errors.forbidden')
    return e.message || t('errors.unknown')
  }
  return t('errors.unknown')
}

/** Show an error as a toast. 403 gets its own wording so it is clear the user lacks a permission. */
export function showError(e: unknown): void {
  if (e instanceof ApiError && e.status === 401) return // the client already sends the user to login
  if (e instanceof ApiError && e.status === 403) {
    ElMessage({ type: 'error', message: `${i18n.global.t('errors.forbidden')} ${e.message}`.trim(), duration: 5000 })
    return
  }
  ElMessage({ type: 'error', message: errorMessage(e), duration: 5000 })
}

export function showSuccess(message: string): void {
  ElMessage({ type: 'success', message })
}

/** The server refused a change because the record changed since it was read (409 version_conflict). */
export function isVersionConflict(e: unknown): e is ApiError {
  return e instanceof ApiError && e.code === 'version_conflict'
}

/** Someone else owns the record (409 owned_by_other): the message names who, never the record's details. */
export function isOwnedByOther(e: unknown): e is ApiError {
  return e instanceof ApiError && e.code === 'owned_by_other'
}

/**
 * Field errors from the server for one form: `errors[field]` goes to the form item whose prop is
 * the error's `field`. Errors on a field the form does not have are shown as a toast.
 * `fields` is a list of props, or a test for forms with repeated parts (`contacts[1].emails[0]`):
 * then the server's field name is the key as it is.
 */
export function useFieldErrors(fields: readonly string[] | ((field: string) => boolean)) {
  const errors = reactive<Record<string, string>>({})
  function clear() {
    for (const k of Object.keys(errors)) errors[k] = ''
  }
  function apply(e: unknown) {
    const field = e instanceof ApiError && e.field ? matchField(e.field) : undefined
    if (field) errors[field] = (e as ApiError).message
    else showError(e)
  }
  // "admin.username" matches the prop "admin.username"; a bare "username" matches it too.
  function matchField(f: string): string | undefined {
    if (typeof fields === 'function') return fields(f) ? f : undefined
    return fields.find((p) => p === f) ?? fields.find((p) => p.endsWith(`.${f}`))
  }
  /** Clear old errors, run the request, and place its error (if any). Resolves to undefined on error. */
  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    clear()
    try {
      return await fn()
    } catch (e) {
      apply(e)
      return undefined
    }
  }
  return { errors, clear, apply, run }
}
