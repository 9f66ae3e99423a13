// A list screen's state, kept in the address: filters, scope (mine/team/all …), sort and page are
// read from the URL query and written back to it, so reload, back/forward and a shared link all
// show the same list. Loads a page from the server whenever that state changes, and holds the
// items, the total, and the loading and error state.
//
//   const list = useRecordList({
//     filters: { q: '', country: '', owner_id: null as number | null },
//     text: ['q'],                                     // typed: applied after a pause
//     scope: { options: () => scopes.value, default: () => 'mine' },
//     sort: { options: ['updated', 'name'], default: 'updated', order: 'desc' },
//     fetch: (q) => api.customers(q),
//     onError: showError,
//   })
//
// A filter's default says how its URL value is read: a string stays a string, a number or null
// is a number (an id). Values equal to their default are left out of the URL. A change of filter,
// scope or sort goes back to page 1. Choices (a select, the scope, a page) add a history entry;
// typing replaces the current one, so "back" does not replay every keystroke.
import { computed, onScopeDispose, reactive, ref, shallowRef, watch, type Ref } from 'vue'
import { useRouter, type LocationQuery, type LocationQueryRaw, type Router } from 'vue-router'
import type { Page } from '@/api'

export type FilterDefaults = Record<string, string | number | null>
export type SortOrder = 'asc' | 'desc'

/** What `fetch` gets: the filters with empty values left out, scope, sort, and the page. */
export type ListQuery<F extends FilterDefaults, S extends string = string, O extends string = string> = {
  [K in keyof F]?: Exclude<F[K], null | ''>
} & {
  scope?: S
  sort?: O
  order?: SortOrder
  page: number
  per_page: number
}

export interface RecordListOptions<F extends FilterDefaults, T, S extends string, O extends string> {
  /** The filters and their defaults (the empty filter). */
  filters: F
  /** Filters a person types into: applied after `debounceMs` of quiet, replacing the history entry. */
  text?: readonly (keyof F & string)[]
  /** Lists with a data scope: the scopes this user may choose and where they start. */
  scope?: {
    options: () => readonly S[]
    default: () => S
    /** Its name in the URL (default `scope`). */
    param?: string
  }
  sort?: { options: readonly O[]; default: O; order?: SortOrder }
  perPage?: number
  fetch: (query: ListQuery<F, S, O>) => Promise<Page<T>>
  /** Told about a failed load (e.g. `showError`); the error is also kept in `error`. */
  onError?: (e: unknown) => void
  debounceMs?: number
  /** The router (default: the component's). */
  router?: Router
}

/** The list's state as the URL holds it. */
interface Snapshot {
  filters: Record<string, string | number | null>
  scope: string
  sort: string
  order: SortOrder
  page: number
}

/** No filter: an input cleared to '', null or undefined. */
const isEmpty = (v: unknown) => v === undefined || v === null || v === ''
const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '')

export function useRecordList<F extends FilterDefaults, T, S extends string = string, O extends string = string>(
  opts: RecordListOptions<F, T, S, O>,
) {
  const router = opts.router ?? useRouter()
  const route = router.currentRoute
  /** The list lives at this path; URL changes elsewhere (leaving the screen) are not its own. */
  const listPath = route.value.path
  const scopeParam = opts.scope?.param ?? 'scope'
  const textKeys = new Set<string>(opts.text ?? [])
  const filterKeys = Object.keys(opts.filters)
  const defaultOrder: SortOrder = opts.sort?.order ?? 'desc'

  // ---- reading and writing the URL ----

  function parseFilter(key: string, raw: string): string | number | null {
    const def = opts.filters[key]
    if (typeof def === 'string') return raw || def
    const n = Number(raw)
    return raw && Number.isFinite(n) && n !== 0 ? n : def
  }

  function parse(q: LocationQuery): Snapshot {
    const filters: Snapshot['filters'] = {}
    for (const k of filterKeys) filters[k] = parseFilter(k, str(q[k]))
    const scopes = opts.scope?.options() ?? []
    const wantScope = str(q[scopeParam])
    const sort = str(q.sort)
    const order = str(q.order)
    const page = Number(str(q.page))
    return {
      filters,
      scope: opts.scope ? (scopes.includes(wantScope as S) ? wantScope : opts.scope.default()) : '',
      sort: opts.sort ? (opts.sort.options.includes(sort as O) ? sort : opts.sort.default) : '',
      order: opts.sort ? (order === 'asc' || order === 'desc' ? order : defaultOrder) : 'desc',
      page: Number.isInteger(page) && page > 1 ? page : 1,
    }
  }

  /** The URL parameters of a state (defaults left out), without the page. */
  function paramsOf(s: Snapshot): Record<string, string> {
    const out: Record<string, string> = {}
    for (const k of filterKeys) {
      const v = s.filters[k]
      const clean = typeof v === 'string' ? v.trim() : v
      if (!isEmpty(clean) && clean !== opts.filters[k]) out[k] = String(clean)
    }
    if (opts.scope && s.scope !== opts.scope.default()) out[scopeParam] = s.scope
    if (opts.sort && s.sort !== opts.sort.default) out.sort = s.sort
    if (opts.sort && s.order !== defaultOrder) out.order = s.order
    return out
  }

  function urlOf(s: Snapshot): Record<string, string> {
    const out = paramsOf(s)
    if (s.page > 1) out.page = String(s.page)
    return out
  }

  const owned = new Set([...filterKeys, scopeParam, 'sort', 'order', 'page'])
  /** The URL for a state, keeping parameters that are not the list's (e.g. `open`). */
  function queryFor(s: Snapshot): LocationQueryRaw {
    const keep: LocationQueryRaw = {}
    for (const [k, v] of Object.entries(route.value.query)) if (!owned.has(k)) keep[k] = v
    return { ...keep, ...urlOf(s) }
  }

  const keyOf = (s: Snapshot) => JSON.stringify(urlOf(s))
  const filterKeyOf = (s: Snapshot) => JSON.stringify(paramsOf(s))

  // ---- state ----

  const initial = parse(route.value.query)
  /** The filters as shown (bound to the inputs). */
  const filters = reactive({ ...initial.filters }) as F
  const scope = ref(initial.scope) as Ref<S>
  const sort = ref(initial.sort) as Ref<O>
  const order = ref<SortOrder>(initial.order)
  const page = ref(initial.page)
  const perPage = ref(opts.perPage ?? 20)
  /** The state the shown items are for (and the URL says). */
  let applied: Snapshot = initial

  const items = ref([]) as Ref<T[]>
  const total = ref(0)
  const loading = ref(false)
  const error = shallowRef<unknown>(null)

  function live(): Snapshot {
    return {
      filters: { ...(filters as FilterDefaults) },
      scope: scope.value,
      sort: sort.value,
      order: order.value,
      page: page.value,
    }
  }

  function cleanFilters(s: Snapshot): Partial<F> {
    const out: Record<string, string | number> = {}
    for (const k of filterKeys) {
      const v = s.filters[k]
      const clean = typeof v === 'string' ? v.trim() : v
      if (!isEmpty(clean)) out[k] = clean as string | number
    }
    return out as Partial<F>
  }

  function queryOf(s: Snapshot): ListQuery<F, S, O> {
    return {
      ...cleanFilters(s),
      ...(opts.scope ? { scope: s.scope as S } : {}),
      ...(opts.sort ? { sort: s.sort as O, order: s.order } : {}),
      page: s.page,
      per_page: perPage.value,
    } as ListQuery<F, S, O>
  }

  let seq = 0
  async function load(): Promise<void> {
    const mine = ++seq
    loading.value = true
    try {
      const res = await opts.fetch(queryOf(applied))
      if (mine !== seq) return
      items.value = res.items
      total.value = res.total
      error.value = null
    } catch (e) {
      if (mine !== seq) return
      error.value = e
      opts.onError?.(e)
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  const debounceMs = opts.debounceMs ?? 300
  onScopeDispose(() => clearTimeout(timer))

  // A navigation away (a row clicked while a search was still settling) must not be undone by
  // the search's own URL write: while one is under way, nothing is committed.
  let leaving = false
  const stopGuard = router.beforeEach((to) => {
    leaving = to.path !== listPath
    if (leaving) clearTimeout(timer)
  })
  const stopAfter = router.afterEach((_to, _from, failure) => {
    if (failure || router.currentRoute.value.path === listPath) leaving = false
  })
  onScopeDispose(() => {
    stopGuard()
    stopAfter()
  })

  /** Take the shown state as the list's: to the URL (a new entry, or replacing) and load. */
  function commit(mode: 'push' | 'replace') {
    if (leaving || route.value.path !== listPath) return // leaving the screen
    const next = live()
    if (filterKeyOf(next) !== filterKeyOf(applied) && next.page !== 1) {
      next.page = 1
      page.value = 1 // its watcher finds nothing left to do
    }
    if (keyOf(next) === keyOf(applied)) return
    applied = next
    void router[mode]({ path: listPath, query: queryFor(next) })
    void load()
  }


  watch(
    () => filterKeys.filter((k) => textKeys.has(k)).map((k) => filters[k]),
    () => {
      clearTimeout(timer)
      timer = setTimeout(() => commit('replace'), debounceMs)
    },
  )
  watch(
    () => [...filterKeys.filter((k) => !textKeys.has(k)).map((k) => filters[k]), scope.value, sort.value, order.value, page.value],
    () => commit('push'),
  )

  /** Show a state that came from the URL (back/forward, a link to this list). */
  function adopt(s: Snapshot) {
    clearTimeout(timer)
    applied = s
    Object.assign(filters, s.filters)
    scope.value = s.scope as S
    sort.value = s.sort as O
    order.value = s.order
    page.value = s.page
    void load()
  }

  watch(
    () => route.value,
    (r) => {
      if (r.path !== listPath) return
      const s = parse(r.query)
      if (keyOf(s) !== keyOf(applied)) adopt(s)
    },
  )

  // The address may have named something this user cannot choose (a scope beyond their role):
  // say in it what is shown.
  if (keyOf(initial) !== JSON.stringify(urlOfRaw(route.value.query))) {
    void router.replace({ path: listPath, query: queryFor(initial) })
  }
  function urlOfRaw(q: LocationQuery): Record<string, string> {
    const out: Record<string, string> = {}
    for (const k of owned) if (str(q[k])) out[k] = str(q[k])
    return out
  }
  void load()

  return {
    filters,
    scope,
    sort,
    order,
    page,
    perPage,
    items,
    total,
    loading,
    error,
    /** Load the current page again (after a change made on this screen). */
    reload: load,
    /** The list's query as shown (not yet debounced), without paging: for an export. */
    query: computed(() => {
      const q = queryOf(live()) as Partial<ListQuery<F, S, O>>
      delete q.page
      delete q.per_page
      return q as Omit<ListQuery<F, S, O>, 'page' | 'per_page'>
    }),
    /** The shown state as URL parameters without the page, defaults left out (for saved views). */
    params: computed(() => paramsOf(live())),
    /** Show the state of such parameters (a saved view); missing ones go back to their defaults. */
    applyParams(p: Record<string, unknown>) {
      const q: LocationQuery = {}
      for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== null && v !== '') q[k] = String(v)
      const s = parse(q)
      Object.assign(filters, s.filters)
      scope.value = s.scope as S
      sort.value = s.sort as O
      order.value = s.order
    },
    /** Clear every filter and the sort (the scope stays). */
    reset() {
      Object.assign(filters, opts.filters)
      if (opts.sort) {
        sort.value = opts.sort.default
        order.value = defaultOrder
      }
    },
  }
}
