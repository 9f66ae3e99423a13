import { describe, expect, it } from 'vitest'
import { readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { MODULES, navGroups, navItems, recordTargets } from './index'
import { defineModule } from './types'

describe('the module list', () => {
  it('lists every module folder once, under its folder name', () => {
    const folders = readdirSync(__dirname, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(__dirname, d.name, 'index.ts')))
      .map((d) => d.name)
      .sort()
    expect(MODULES.map((m) => m.key).sort()).toEqual(folders)
  })

  it('puts every menu item in a group some module declares', () => {
    const groups = new Set(navGroups().map((g) => g.key))
    expect(groups.size).toBe(navGroups().length)
    expect(navItems().filter((i) => !groups.has(i.group)).map((i) => i.area)).toEqual([])
  })

  it('guards every screen reached from a list by an area', () => {
    for (const m of MODULES) for (const r of m.routes ?? []) expect(r.meta?.area, `${m.key} ${r.path}`).toBeTruthy()
  })

  it('orders items by group, then weight, then module order', () => {
    const a = defineModule({
      key: 'a',
      groups: [{ key: 'g1', label: 'g1', icon: {} }],
      nav: [
        { area: 'a.late', group: 'g1', order: 50, path: '/a/late', label: '' },
        { area: 'a.early', group: 'g1', order: 10, path: '/a/early', label: '' },
        { area: 'a.in_g2', group: 'g2', path: '/a/g2', label: '' },
      ],
      messages: { 'zh-CN': {}, en: {} },
    })
    const b = defineModule({
      key: 'b',
      groups: [{ key: 'g2', label: 'g2', icon: {} }],
      nav: [
        { area: 'b.between', group: 'g1', order: 20, path: '/b', label: '' },
        { area: 'b.in_g2', group: 'g2', path: '/b/g2', label: '' },
      ],
      messages: { 'zh-CN': {}, en: {} },
    })
    expect(navItems([a, b]).map((i) => i.area)).toEqual(['a.early', 'b.between', 'a.late', 'a.in_g2', 'b.in_g2'])
  })

  it('refuses a kind opened by two modules', () => {
    const target = { area: 'x', to: () => '/' }
    const m = (key: string) => defineModule({ key, targets: { thing: target }, messages: { 'zh-CN': {}, en: {} } })
    expect(() => recordTargets([m('a'), m('b')])).toThrow(/thing/)
  })
})
