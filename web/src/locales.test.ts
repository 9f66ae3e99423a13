import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import en from './locales/en.json'
import zh from './locales/zh-CN.json'

// Every literal key a screen asks for exists in both languages, and both files have the same keys.

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
