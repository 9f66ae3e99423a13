import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import enShell from './locales/en.json'
import zhShell from './locales/zh-CN.json'
import { MODULES, mergeMessages } from './modules'

// Every literal key a screen asks for exists in both languages, and both languages have the same
// keys: the shell's strings (locales/) merged with every module's (modules/<area>/locales/).
const en = mergeMessages('en', enShell, MODULES)
const zh = mergeMessages('zh-CN', zhShell, MODULES)

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) return files(p)
    return /\.(vue|ts)$/.test(f) && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') ? [p] : []
  })
}

function keys(o: unknown, prefix = ''): string[] {
  if (typeof o !== 'object' || o === null) return [prefix]
  return Object.entries(o).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
}

function has(messages: unknown, key: string): boolean {
  let cur: unknown = messages
  for (const p of key.split('.')) {
    if (typeof cur !== 'object' || cur === null || !(p in cur)) return false
    cur = (cur as Record<string, unknown>)[p]
  }
  return typeof cur === 'string'
}

describe('locales', () => {
  it('zh-CN and en have the same keys', () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort())
    expect(keys(zhShell).sort()).toEqual(keys(enShell).sort())
    for (const m of MODULES) expect(keys(m.messages['zh-CN']).sort(), m.key).toEqual(keys(m.messages.en).sort())
  })

  it('no two modules set the same key', () => {
    const twice = { nav: { home: 'x' } }
    expect(() => mergeMessages('en', twice, MODULES)).toThrow(/nav\.home/)
  })

  it('every menu label and group label exists in both', async () => {
    const { NAV, NAV_GROUPS } = await import('./nav')
    const labels = [...NAV.map((i) => i.label), ...NAV_GROUPS.map((g) => g.label)]
    expect(labels.filter((k) => !has(en, k) || !has(zh, k))).toEqual([])
  })

  it('every literal t() key used in the app exists in both', () => {
    const dir = join(__dirname)
    const used = new Set<string>()
    for (const f of files(dir)) {
      const text = readFileSync(f, 'utf8')
      for (const m of text.matchAll(/\bt\(\s*'([a-z_]+(?:\.[a-z0-9_]+)+)'/g)) used.add(m[1])
    }
    expect(used.size).toBeGreaterThan(100)
    const missing = [...used].filter((k) => !has(en, k) || !has(zh, k))
    expect(missing).toEqual([])
  })

  it('the CRM vocabularies are translated', async () => {
    const { SOURCES, CONTACT_ROLES } = await import('./modules/crm/options')
    const { STAGES, LEAD_STATUSES, CUSTOMER_STATUSES, LOGGABLE_KINDS, CADENCE_TRIGGERS } = await import('./api/crm')
    const want = [
      ...SOURCES.map((s) => `crm.sources.${s}`),
      ...CONTACT_ROLES.map((s) => `crm.roles.${s}`),
      ...STAGES.map((s) => `crm.stages.${s}`),
      ...LEAD_STATUSES.map((s) => `crm.lead_status.${s}`),
      ...CUSTOMER_STATUSES.map((s) => `crm.status.${s}`),
      ...LOGGABLE_KINDS.map((s) => `crm.kinds.${s}`),
      ...CADENCE_TRIGGERS.map((s) => `crm.settings.triggers.${s}`),
      ...CADENCE_TRIGGERS.map((s) => `crm.settings.trigger_desc.${s}`),
      ...['mine', 'team', 'all', 'pool'].map((s) => `crm.leads.tab_${s}`),
      ...['overdue', 'due_today', 'upcoming', 'pool_warnings'].flatMap((s) => [`crm.my_day.${s}`, `crm.my_day.empty_${s}`]),
      ...['follow_up', 'cadence', 'pool_warning', 'manual'].map((s) => `crm.task_source.${s}`),
      ...['office', 'evening', 'night', 'weekend'].map((s) => `crm.clock.${s}`),
    ]
    expect(want.filter((k) => !has(en, k) || !has(zh, k))).toEqual([])
  })
})

describe('counts', () => {
  it('are singular for one in English', async () => {
    const { createI18n } = await import('vue-i18n')
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en, 'zh-CN': zh } })
    const t = i18n.global.t
    expect(t('audit.n_fields', { n: 1 })).toBe('1 field')
    expect(t('audit.n_fields', { n: 3 })).toBe('3 fields')
    expect(t('crm.my_day.days_overdue', { n: 1 })).toBe('1 day overdue')
    i18n.global.locale.value = 'zh-CN'
    expect(t('audit.n_fields', { n: 1 })).toBe('1 个字段')
  })
})
