// Screenshots of every screen at 1366×800 and 375×760, in zh-CN and en, into web/screenshots/.
//
//   node scripts/screenshots.mjs                 starts `kontor serve` on a fresh data dir (see kontor-server.mjs)
//   KONTOR_URL=http://127.0.0.1:5173 node scripts/screenshots.mjs     uses a running server instead
//
// Needs Debian's /usr/bin/chromium (or CHROMIUM=path). It sets the company up if needed, adds a few
// sample users/teams, and reports any request to a host other than the server (nothing may load
// from the internet) and any console error.
import { chromium } from 'playwright-core'
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startKontor } from './kontor-server.mjs'

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(webDir, 'screenshots')
mkdirSync(outDir, { recursive: true })

const ADMIN = { username: process.env.KONTOR_ADMIN_USER || 'admin', password: process.env.KONTOR_ADMIN_PASSWORD || 'kontor-admin-1' }
const SIZES = [
  { name: 'desktop', width: 1366, height: 800 },
  { name: 'phone', width: 375, height: 760 },
]
const LANGS = ['zh-CN', 'en']

let server = null
let base = process.env.KONTOR_URL
if (!base) {
  server = await startKontor({ port: Number(process.env.KONTOR_PORT || 18090) })
  base = server.url
}
const origin = new URL(base).origin
const problems = []

async function api(method, path, body, cookie) {
  const headers = { 'content-type': 'application/json', origin, accept: 'application/json' }
  if (cookie) headers.cookie = cookie
  const r = await fetch(`${base}/api/v1${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined })
  const text = await r.text()
  const data = text ? JSON.parse(text) : null
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`)
  return { data, cookie: r.headers.get('set-cookie')?.split(';')[0] ?? cookie }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
})

async function newPage(size, lang) {
  const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, locale: lang, timezoneId: 'Asia/Shanghai' })
  await context.addInitScript((l) => localStorage.setItem('kontor.lang', l), lang)
  const page = await context.newPage()
  page.on('request', (req) => {
    const u = new URL(req.url())
    if (!['data:', 'blob:'].includes(u.protocol) && u.origin !== origin) problems.push(`outside request: ${req.url()}`)
  })
  page.on('console', (m) => {
    // Before login the app asks /api/v1/me once to learn whether a session exists: a 401 there is expected.
    const expected401 = /\/(login|setup)$/.test(page.url()) && m.text().includes('401')
    if (m.type() === 'error' && !expected401) problems.push(`console error on ${page.url()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`))
  return { context, page }
}

/** An Element Plus input: the data-test attribute lands on the <input> itself or on its wrapper. */
function input(page, name) {
  return page.locator(`input[data-test=${name}], [data-test=${name}] input`).first()
}

async function shot(page, lang, size, name) {
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(350)
  const file = join(outDir, `${lang}-${size.name}-${name}.png`)
  await page.screenshot({ path: file, fullPage: false })
  console.log('  ', file.replace(webDir + '/', ''))
}

// 1. Setup screen, when the server is fresh.
const info = (await api('GET', '/public/info')).data
if (info.setup_required) {
  for (const lang of LANGS)
    for (const size of SIZES) {
      const { context, page } = await newPage(size, lang)
      await page.goto(`${base}/setup`)
      await input(page, 'setup-company-name').fill(lang === 'en' ? 'Huaxin Trading Ltd.' : '深圳市华信贸易有限公司')
      await shot(page, lang, size, '01-setup')
      await context.close()
    }
  await api('POST', '/setup', {
    company: { name: '深圳市华信贸易有限公司', base_currency: 'CNY', time_zone: 'Asia/Shanghai', language: 'zh-CN' },
    admin: { username: ADMIN.username, display_name: '周敏', password: ADMIN.password, email: 'zhou.min@huaxin.example' },
  })
}

// 2. Some records so the lists are not empty.
let { cookie } = await api('POST', '/auth/login', ADMIN)
const users = (await api('GET', '/users?per_page=100', null, cookie)).data
if (users.total < 3) {
  const roles = (await api('GET', '/roles', null, cookie)).data.items
  const roleId = (k) => roles.find((r) => r.key === k)?.id ?? roles[0]?.id
  const mkTeam = async (name) => (await api('POST', '/teams', { name }, cookie)).data
  const eu = await mkTeam('欧洲业务组')
  const na = await mkTeam('北美业务组')
  await mkTeam('跟单部')
  const gone = await mkTeam('东南亚业务组')
  await api('DELETE', `/teams/${gone.id}?version=${gone.version}`, null, cookie)
  const mk = (username, display_name, role, team, extra = {}) =>
    api('POST', '/users', { username, display_name, password: 'password-123', email: `${username}@huaxin.example`, role_ids: [roleId(role)].filter(Boolean), team_ids: [team.id], ...extra }, cookie)
  const li = (await mk('li.na', '李娜', 'sales', eu)).data
  await mk('wang.wei', '王伟', 'sales', eu)
  await mk('chen.jing', '陈静', 'merchandiser', eu, { language: 'en', time_zone: 'Europe/Berlin' })
  await mk('tom', 'Tom Becker', 'sales', na, { language: 'en', time_zone: 'America/Los_Angeles' })
  await api('PATCH', `/teams/${eu.id}`, { version: eu.version, leader_id: li.id }, cookie).catch(() => {})
  const base = roles.find((r) => r.key === 'sales') ?? roles[0]
  if (base) await api('POST', '/roles', { name: '外贸业务员（欧洲）', grants: base.grants, hidden_fields: base.hidden_fields, based_on: base.id }, cookie)
  await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ username: 'li.na', password: 'wrong' }) }).catch(() => {})
}
const roles = (await api('GET', '/roles', null, cookie)).data.items
const custom = roles.find((r) => !r.preset) ?? roles[0]
const someUser = (await api('GET', '/users?q=li.na', null, cookie)).data.items[0] ?? users.items[0]
await api('POST', '/auth/logout', null, cookie).catch(() => {})

// 3. Every screen, both languages, both sizes.
const screens = [
  { name: '03-home', path: '/' },
  { name: '04-profile', path: '/profile' },
  { name: '05-users', path: '/admin/users' },
  {
    name: '06-user-create',
    path: '/admin/users',
    act: async (page) => {
      await page.locator('[data-test=user-create]').click()
      await page.locator('[data-test=user-dialog]').first().waitFor()
    },
  },
  { name: '07-teams', path: '/admin/teams' },
  { name: '08-roles', path: '/admin/roles' },
  { name: '09-role-editor', path: `/admin/roles/${custom?.id}` },
  { name: '10-permissions', path: `/admin/permissions?user=${someUser?.id}` },
  { name: '11-recycle-bin', path: '/admin/recycle-bin' },
  {
    name: '12-audit',
    path: '/admin/audit',
    act: async (page, size) => {
      if (size.name === 'desktop') {
        const expand = page.locator('.el-table__expand-icon').first()
        if (await expand.count()) await expand.click()
      } else {
        const btn = page.locator('.item-card .actions button').first()
        if (await btn.count()) await btn.click()
      }
    },
  },
  { name: '13-company', path: '/admin/company' },
  {
    name: '14-search',
    path: '/',
    act: async (page, size) => {
      if (size.name === 'phone') await page.locator('[data-test=search-toggle]').click()
      await input(page, 'global-search').fill('li')
      await page.locator('[data-test=search-hit]').first().waitFor({ timeout: 5000 }).catch(() => {})
    },
  },
  {
    name: '15-menu',
    path: '/',
    phoneOnly: true,
    act: async (page) => {
      await page.locator('[data-test=nav-toggle]').click()
      await page.waitForTimeout(400)
    },
  },
  { name: '16-api-docs', path: '/api-docs.html', wait: 1500 },
]

for (const lang of LANGS) {
  for (const size of SIZES) {
    console.log(`${lang} ${size.width}×${size.height}`)
    const { context, page } = await newPage(size, lang)
    await page.goto(`${base}/login`)
    await shot(page, lang, size, '02-login')
    const login = await context.request.post(`${base}/api/v1/auth/login`, { data: ADMIN, headers: { origin } })
    if (!login.ok()) throw new Error(`login failed: ${login.status()}`)
    await context.request.patch(`${base}/api/v1/me`, { data: { language: lang }, headers: { origin } })
    for (const s of screens) {
      if (s.phoneOnly && size.name !== 'phone') continue
      await page.goto(`${base}${s.path}`)
      await page.waitForLoadState('networkidle')
      if (s.act) await s.act(page, size)
      if (s.wait) await page.waitForTimeout(s.wait)
      await shot(page, lang, size, s.name)
      // The frame must never scroll sideways.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      if (overflow > 0 && !s.path.endsWith('.html')) problems.push(`${lang} ${size.name} ${s.name}: page is ${overflow}px wider than the screen`)
    }
    await context.close()
  }
}

await browser.close()
if (server) {
  server.stop()
  await new Promise((r) => setTimeout(r, 500))
  rmSync(server.data, { recursive: true, force: true })
}
if (problems.length) {
  console.log(`\n${problems.length} problem(s):`)
  for (const p of [...new Set(problems)]) console.log(' -', p)
  process.exitCode = 1
} else {
  console.log('\nno outside requests, no console errors, no sideways scrolling')
}
