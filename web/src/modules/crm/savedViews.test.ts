import { describe, expect, it } from 'vitest'
import { MAX_VIEWS, cleanFilters, deleteView, loadViews, sameFilters, saveView, storageKey, type KeyValueStore } from './savedViews'

function memory(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  }
}

describe('saved views', () => {
  it('saves, lists newest first, replaces by name, deletes', () => {
    const s = memory()
    saveView(7, 'customers', 'German A', { country: 'DE', tier: 'A', q: '' }, s)
    saveView(7, 'customers', ' US leads ', { country: 'US' }, s)
    expect(loadViews(7, 'customers', s).map((v) => v.name)).toEqual(['US leads', 'German A'])
    // empty values are not kept
    expect(loadViews(7, 'customers', s)[1].filters).toEqual({ country: 'DE', tier: 'A' })
    saveView(7, 'customers', 'German A', { country: 'DE', tier: 'B' }, s)
    const views = loadViews(7, 'customers', s)
    expect(views.map((v) => v.name)).toEqual(['German A', 'US leads'])
    expect(views[0].filters.tier).toBe('B')
    deleteView(7, 'customers', 'German A', s)
    expect(loadViews(7, 'customers', s).map((v) => v.name)).toEqual(['US leads'])
    deleteView(7, 'customers', 'US leads', s)
    expect(s.data.has(storageKey(7, 'customers'))).toBe(false)
  })

  it('keeps each user and each list apart', () => {
    const s = memory()
    saveView(1, 'customers', 'mine', { scope: 'mine' }, s)
    saveView(2, 'customers', 'theirs', { scope: 'all' }, s)
    saveView(1, 'pool', 'pool view', { country: 'IT' }, s)
    expect(loadViews(1, 'customers', s).map((v) => v.name)).toEqual(['mine'])
    expect(loadViews(2, 'customers', s).map((v) => v.name)).toEqual(['theirs'])
    expect(loadViews(1, 'pool', s).map((v) => v.name)).toEqual(['pool view'])
  })

  it('survives damaged storage and refuses a blank name', () => {
    const s = memory()
    s.setItem(storageKey(1, 'customers'), '{not json')
    expect(loadViews(1, 'customers', s)).toEqual([])
    s.setItem(storageKey(1, 'customers'), JSON.stringify([{ name: 'ok', filters: { tier: 'A' } }, { bogus: true }, null]))
    expect(loadViews(1, 'customers', s)).toEqual([{ name: 'ok', filters: { tier: 'A' } }])
    expect(() => saveView(1, 'customers', '   ', {}, s)).toThrow()
    expect(loadViews(1, 'customers', null)).toEqual([])
  })

  it('keeps at most MAX_VIEWS views', () => {
    const s = memory()
    for (let i = 0; i < MAX_VIEWS + 5; i++) saveView(1, 'c', `v${i}`, { page: i }, s)
    const views = loadViews(1, 'c', s)
    expect(views).toHaveLength(MAX_VIEWS)
    expect(views[0].name).toBe(`v${MAX_VIEWS + 4}`)
  })

  it('compares filter sets ignoring empties and order', () => {
    expect(sameFilters({ a: 'x', b: '' }, { a: 'x' })).toBe(true)
    expect(sameFilters({ a: 'x', c: 1 }, { c: '1', a: 'x' })).toBe(true)
    expect(sameFilters({ a: 'x' }, { a: 'y' })).toBe(false)
    expect(sameFilters({ a: 'x' }, {})).toBe(false)
    expect(cleanFilters({ a: null, b: undefined, c: 0, d: false })).toEqual({ c: 0, d: false })
  })
})
