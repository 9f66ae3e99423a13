// The module list: every area of the web app, in menu order. A new module adds its folder
// (modules/<area>/index.ts: menu items, screens, record targets, messages) and one line here;
// the menu (nav.ts), the router, the global search (searchTargets.ts) and the messages (i18n.ts)
// follow. Modules the server has but this app has not built yet are simply not listed: their
// areas stay out of the menu.
import type { Messages, NavGroup, NavItem, RecordTarget, WebModule } from './types'
import core from './core'
import notify from './notify'
import crm from './crm'
import dedup from './dedup'
import sales from './sales'
import goods from './goods'
import finance from './finance'
import importing from './import'
import files from './files'
import projects from './projects'
import admin from './admin'

export const MODULES: readonly WebModule[] = [core, notify, crm, dedup, sales, goods, finance, importing, files, projects, admin]

/**
 * Kinds the server's search finds that no module opens yet: their hits show without a link. The
 * module that adds such a kind's target takes it off this list (the tests insist).
 */
export const NOT_YET_OPENED: readonly string[] = ['shipment']

/** The menu groups, in module order. */
export function navGroups(modules: readonly WebModule[] = MODULES): NavGroup[] {
  return modules.flatMap((m) => m.groups ?? [])
}

/** Every menu item, grouped in group order, and by `order` (then module order) inside a group. */
export function navItems(modules: readonly WebModule[] = MODULES): NavItem[] {
  const groups = navGroups(modules).map((g) => g.key)
  const items = modules.flatMap((m) => m.nav ?? []).map((item, i) => ({ item, i }))
  const rank = (g: string) => (groups.includes(g) ? groups.indexOf(g) : groups.length)
  items.sort((a, b) => rank(a.item.group) - rank(b.item.group) || (a.item.order ?? 0) - (b.item.order ?? 0) || a.i - b.i)
  return items.map((x) => x.item)
}

/** kind → where a record of it opens, from every module (a kind belongs to one module). */
export function recordTargets(modules: readonly WebModule[] = MODULES): Record<string, RecordTarget> {
  const out: Record<string, RecordTarget> = {}
  for (const m of modules) {
    for (const [kind, target] of Object.entries(m.targets ?? {})) {
      if (kind in out) throw new Error(`record kind ${kind} has targets in two modules (${m.key})`)
      out[kind] = target
    }
  }
  return out
}

/**
 * One message tree per language: `base` (the app's shell strings) with every module's merged in.
 * Two modules may add to the same branch (`nav.crm`) but never set the same key.
 */
export function mergeMessages(lang: 'zh-CN' | 'en', base: Messages, modules: readonly WebModule[] = MODULES): Messages {
  const out: Messages = {}
  const add = (into: Messages, from: Messages, where: string, path: string) => {
    for (const [k, v] of Object.entries(from)) {
      const key = path ? `${path}.${k}` : k
      const have = into[k]
      if (typeof v === 'string' || typeof have === 'string') {
        if (have !== undefined) throw new Error(`message ${key} (${lang}) is set twice (again by ${where})`)
        into[k] = v
      } else {
        if (have === undefined) into[k] = {}
        add(into[k] as Messages, v, where, key)
      }
    }
  }
  add(out, base, 'the shell', '')
  for (const m of modules) add(out, m.messages[lang], `module ${m.key}`, '')
  return out
}
