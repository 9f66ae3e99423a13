// Saved views: named filter sets a user keeps for a list (e.g. "German A-customers"), in this
// browser's localStorage, one key per user and list.

export type Filters = Record<string, string | number | boolean | undefined | null>

export interface SavedView {
  name: string
  filters: Filters
}

/** The few Storage methods used (so tests can pass a plain object). */
export interface KeyValueStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export const MAX_VIEWS = 30

export function storageKey(userId: number, list: string): string {
  return `kontor.views.${userId}.${list}`
}

function defaultStore(): KeyValueStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

/** Only keys with a value: an empty filter is no filter. */
export function cleanFilters(f: Filters): Filters {
  const out: Filters = {}
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === null || v === '') continue
    out[k] = v
  }
  return out
}

export function loadViews(userId: number, list: string, store: KeyValueStore | null = defaultStore()): SavedView[] {
  if (!store) return []
  try {
    const raw = store.getItem(storageKey(userId, list))
    if (!raw) return []
    const data: unknown = JSON.parse(raw)
    if (!Array.isArray(data)) return []
    return data
      .filter((v): v is SavedView => !!v && typeof v.name === 'string' && !!v.filters && typeof v.filters === 'object')
      .map((v) => ({ name: v.name, filters: cleanFilters(v.filters) }))
  } catch {
    return []
  }
}

function write(userId: number, list: string, views: SavedView[], store: KeyValueStore | null) {
  if (!store) return
  if (views.length) store.setItem(storageKey(userId, list), JSON.stringify(views))
  else store.removeItem(storageKey(userId, list))
}

/** Saves (or replaces, by name) a view; names are trimmed, newest views first. */
export function saveView(
  userId: number,
  list: string,
  name: string,
  filters: Filters,
  store: KeyValueStore | null = defaultStore(),
): SavedView[] {
  const n = name.trim()
  if (!n) throw new Error('a saved view needs a name')
  const views = loadViews(userId, list, store).filter((v) => v.name !== n)
  views.unshift({ name: n, filters: cleanFilters(filters) })
  const kept = views.slice(0, MAX_VIEWS)
  write(userId, list, kept, store)
  return kept
}

export function deleteView(userId: number, list: string, name: string, store: KeyValueStore | null = defaultStore()): SavedView[] {
  const views = loadViews(userId, list, store).filter((v) => v.name !== name)
  write(userId, list, views, store)
  return views
}

/** Do the current filters equal a saved view's (ignoring empty values and key order)? */
export function sameFilters(a: Filters, b: Filters): boolean {
  const ca = cleanFilters(a)
  const cb = cleanFilters(b)
  const ka = Object.keys(ca).sort()
  const kb = Object.keys(cb).sort()
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && String(ca[k]) === String(cb[k]))
}
