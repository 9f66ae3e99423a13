import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, type EffectScope } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { useRecordList, type ListQuery } from './useRecordList'

const Empty = { render: () => null }

async function makeRouter(at: string): Promise<Router> {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/list', component: Empty },
      { path: '/list/:id', component: Empty },
    ],
  })
  await router.push(at)
  await router.isReady()
  return router
}

const settle = async () => {
  for (let i = 0; i < 5; i++) {
    await nextTick()
    await new Promise((r) => setTimeout(r, 0))
  }
}

const filters = { q: '', country: '', owner_id: null as number | null }
type F = typeof filters
type Scope = 'mine' | 'team' | 'all'

let scope: EffectScope | undefined
afterEach(() => scope?.stop())

async function setup(at: string, scopes: Scope[] = ['mine', 'team', 'all']) {
  const router = await makeRouter(at)
  const calls: ListQuery<F, Scope>[] = []
  scope = effectScope()
  const list = scope.run(() =>
    useRecordList<F, number, Scope, 'updated' | 'name'>({
      filters,
      text: ['q'],
      scope: { options: () => scopes, default: () => scopes[scopes.length - 1] },
      sort: { options: ['updated', 'name'], default: 'updated', order: 'desc' },
      perPage: 10,
      debounceMs: 5,
      router,
      fetch: async (q) => {
        calls.push(q)
        return { items: [q.page], total: 42, page: q.page, per_page: q.per_page }
      },
    }),
  )!
  await settle()
  return { router, list, calls }
}

describe('useRecordList', () => {
  it('reads filters, scope, sort and page from the address and loads that page', async () => {
    const { list, calls } = await setup('/list?country=DE&owner_id=5&scope=team&sort=name&order=asc&page=3')
    expect(list.filters.country).toBe('DE')
    expect(list.filters.owner_id).toBe(5)
    expect(list.scope.value).toBe('team')
    expect(list.page.value).toBe(3)
    expect(calls).toEqual([{ country: 'DE', owner_id: 5, scope: 'team', sort: 'name', order: 'asc', page: 3, per_page: 10 }])
    expect(list.total.value).toBe(42)
    expect(list.items.value).toEqual([3])
    expect(list.loading.value).toBe(false)
  })

  it('starts on the defaults, and a scope the user may not choose falls back to their own (the address says so)', async () => {
    const { list, calls, router } = await setup('/list?scope=all&sort=bogus', ['mine'])
    expect(list.scope.value).toBe('mine')
    expect(list.sort.value).toBe('updated')
    expect(calls.at(-1)).toEqual({ scope: 'mine', sort: 'updated', order: 'desc', page: 1, per_page: 10 })
    expect(router.currentRoute.value.fullPath).toBe('/list')
  })

  it('writes a changed filter to the address, back to page one, as a new history entry', async () => {
    const { list, calls, router } = await setup('/list?page=2')
    list.filters.country = 'FR'
    await settle()
    expect(router.currentRoute.value.query).toEqual({ country: 'FR' })
    expect(list.page.value).toBe(1)
    expect(calls.at(-1)).toMatchObject({ country: 'FR', page: 1 })
    // back: the earlier list, loaded again
    router.back()
    await settle()
    expect(router.currentRoute.value.query).toEqual({ page: '2' })
    expect(list.filters.country).toBe('')
    expect(list.page.value).toBe(2)
    expect(calls.at(-1)).toMatchObject({ page: 2 })
    expect(calls.at(-1)).not.toHaveProperty('country')
    router.forward()
    await settle()
    expect(list.filters.country).toBe('FR')
  })

  it('applies typed text after a pause, trimmed, replacing the history entry', async () => {
    const { list, calls, router } = await setup('/list')
    const before = calls.length
    const push = vi.spyOn(router, 'push')
    const replace = vi.spyOn(router, 'replace')
    list.filters.q = 'Mül'
    list.filters.q = 'Müller '
    await new Promise((r) => setTimeout(r, 20))
    await settle()
    expect(calls.length).toBe(before + 1)
    expect(calls.at(-1)).toMatchObject({ q: 'Müller' })
    expect(router.currentRoute.value.query).toEqual({ q: 'Müller' })
    // replaced, not pushed: "back" does not replay the keystrokes
    expect(replace).toHaveBeenCalledTimes(1)
    expect(push).not.toHaveBeenCalled()
  })

  it('pages, sorts and keeps parameters that are not its own', async () => {
    const { list, router, calls } = await setup('/list?open=7')
    list.page.value = 4
    await settle()
    expect(router.currentRoute.value.query).toEqual({ open: '7', page: '4' })
    list.sort.value = 'name'
    list.order.value = 'asc'
    await settle()
    expect(router.currentRoute.value.query).toEqual({ open: '7', sort: 'name', order: 'asc' })
    expect(calls.at(-1)).toMatchObject({ sort: 'name', order: 'asc', page: 1 })
  })

  it('ignores the address once the screen is left, and stops loading', async () => {
    const { router, calls } = await setup('/list?country=DE')
    const before = calls.length
    await router.push('/list/5')
    await settle()
    expect(calls.length).toBe(before)
  })

  it('a row opened while typed text is still settling stays open (a slow navigation is not undone)', async () => {
    const { list, router } = await setup('/list')
    // The record's screen takes longer to load than the search's pause.
    router.beforeEach((to) => (to.path === '/list/9' ? new Promise((r) => setTimeout(() => r(true), 30)) : true))
    list.filters.q = 'LED'
    const opening = router.push('/list/9')
    await new Promise((r) => setTimeout(r, 20)) // the pause ends while the navigation is under way
    await opening
    await settle()
    expect(router.currentRoute.value.path).toBe('/list/9')
  })

  it('follows a link to the same list with other filters (the menu item)', async () => {
    const { list, router, calls } = await setup('/list?country=DE')
    await router.push('/list')
    await settle()
    expect(list.filters.country).toBe('')
    expect(calls.at(-1)).not.toHaveProperty('country')
  })

  it('gives its state as parameters (saved views), takes them back, resets', async () => {
    const { list } = await setup('/list?country=DE&scope=team&order=asc')
    expect(list.params.value).toEqual({ country: 'DE', scope: 'team', order: 'asc' })
    list.applyParams({ owner_id: 9, scope: '', sort: 'name' })
    await settle()
    expect(list.params.value).toEqual({ owner_id: '9', sort: 'name' })
    expect(list.scope.value).toBe('all')
    list.reset()
    await settle()
    expect(list.params.value).toEqual({})
    expect(list.query.value).toEqual({ scope: 'all', sort: 'updated', order: 'desc' })
  })

  it('keeps the error of a failed load and says so', async () => {
    const router = await makeRouter('/list')
    const seen: unknown[] = []
    scope = effectScope()
    const list = scope.run(() =>
      useRecordList({
        filters: { q: '' },
        router,
        fetch: () => Promise.reject(new Error('down')),
        onError: (e) => seen.push(e),
      }),
    )!
    await settle()
    expect(list.loading.value).toBe(false)
    expect((list.error.value as Error).message).toBe('down')
    expect(seen).toHaveLength(1)
  })
})
