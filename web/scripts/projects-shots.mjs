// Screenshots of the projects screens at 1440×900 and 390×844, zh-CN and en, into
// web/screenshots/projects/ (not committed): `node scripts/projects-shots.mjs` starts
// `kontor serve --demo` (a store launch under way and a Prime Day project) and reports console
// errors and requests to other hosts.
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startKontor } from './kontor-server.mjs'

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(webDir, 'screenshots', 'projects')
mkdirSync(outDir, { recursive: true })
const SIZES = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]
const LANGS = ['zh-CN', 'en']
const server = await startKontor({ port: Number(process.env.KONTOR_PORT || 18190), demo: true })
const base = server.url
const problems = []

async function api(path, cookie) {
  const r = await fetch(`${base}/api/v1${path}`, { headers: { accept: 'application/json', cookie } })
  return r.json()
}
const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', origin: base },
  body: JSON.stringify({ username: 'admin', password: 'kontor-demo' }),
})
const cookie = login.headers.get('set-cookie')?.split(';')[0]
const projects = (await api('/projects', cookie)).items
const prime = projects.find((p) => /Prime/.test(p.name)) ?? projects[0]
const tasks = (await api(`/projects/${prime.id}/tasks`, cookie)).items
const task = tasks.find((t) => t.parent_id) ?? tasks[0]

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
})
const screens = [
  ['list', '/projects'],
  ['kanban', `/projects/${prime.id}?tab=kanban`],
  ['tasklist', `/projects/${prime.id}?tab=list`],
  ['gantt', `/projects/${prime.id}?tab=gantt`],
  ['calendar', `/projects/${prime.id}?tab=calendar`],
  ['members', `/projects/${prime.id}?tab=members`],
  ['task', `/projects/tasks/${task.id}`],
  ['my-tasks', '/projects/my-tasks'],
  ['templates', '/projects/templates'],
]
for (const lang of LANGS)
  for (const size of SIZES) {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, locale: lang, timezoneId: 'Asia/Shanghai' })
    await context.addInitScript((l) => localStorage.setItem('kontor.lang', l), lang)
    const [name, value] = cookie.split('=')
    await context.addCookies([{ name, value, url: base }])
    const page = await context.newPage()
    page.on('console', (m) => m.type() === 'error' && problems.push(`${page.url()}: ${m.text()}`))
    page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`))
    page.on('request', (r) => !r.url().startsWith(base) && !/^(data|blob):/.test(r.url()) && problems.push(`outside: ${r.url()}`))
    for (const [shot, path] of screens) {
      if (process.env.ONLY && !new RegExp(process.env.ONLY).test(shot)) continue
      await page.goto(`${base}${path}`)
      await page.waitForLoadState('networkidle')
      await page.waitForTimeout(500)
      const file = join(outDir, `${lang}-${size.name}-${shot}.png`)
      await page.screenshot({ path: file })
      console.log(file)
    }
    await context.close()
  }
await browser.close()
server.stop()
if (problems.length) {
  console.log('PROBLEMS:\n' + problems.join('\n'))
  process.exitCode = 1
}
