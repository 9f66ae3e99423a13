import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import { ADMIN, ensureSetup, loginAs, logout } from './helpers'

// An English user reads no Chinese in Kontor's own words: preset pool and cadence rule names, task
// titles, system timeline entries, audit actions and titles. What people typed (a customer named in
// Chinese, the company's name, people's names) may be Chinese and is left out of the scan.

const PASSWORD = 'e2e-i18n-pass-1'
const EMMA = { username: 'emma', display: 'Emma Clark' } // sales rep, English
const ELLEN = { username: 'ellen', display: 'Ellen Park' } // admin, English
const CUSTOMER = '宁波海纳电子有限公司'

test.describe.configure({ mode: 'serial' })

let customerId = 0
let tallinnId = 0
let emmaId = 0
let ellenId = 0

/** CJK ideographs, CJK punctuation and full-width forms. */
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/

async function post(request: APIRequestContext, baseURL: string, path: string, data?: unknown) {
  const res = await request.post(path, { headers: { origin: baseURL }, data })
  expect(res.ok(), `${path}: ${await res.text()}`).toBe(true)
  return res.json().catch(() => null)
}

async function login(request: APIRequestContext, baseURL: string, username: string, password: string) {
  await post(request, baseURL, '/api/v1/auth/login', { username, password })
}

// Typed by people everywhere: the company's name (read in beforeAll). And the language switch's
// "文A" globe, a picture meant for readers of either language.
const ALWAYS = ['文A']

/** Every visible line of the page with Chinese in it, less the names people typed. */
async function chineseLines(page: Page, typed: string[]): Promise<string[]> {
  typed = [...typed, ...ALWAYS]
  const text = await page.locator('body').innerText()
  return text
    .split('\n')
    .map((l) => typed.reduce((acc, t) => acc.split(t).join(''), l))
    .filter((l) => CJK.test(l))
}

async function expectEnglish(page: Page, what: string, typed: string[]) {
  // Let the page's data arrive before reading it.
  await page.waitForLoadState('networkidle')
  await expect(page.locator('.el-loading-mask:visible')).toHaveCount(0)
  const bad = await chineseLines(page, typed)
  expect(bad, `${what} shows Chinese to an English user`).toEqual([])
}

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  const info = await (await request.get('/api/v1/public/info')).json()
  if (info.company_name) ALWAYS.push(info.company_name)
  await login(request, baseURL!, ADMIN.username, ADMIN.password)
  const roles = (await (await request.get('/api/v1/roles')).json()).items as { id: number; key: string | null }[]
  const role = (key: string) => roles.find((r) => r.key === key)!.id
  const emma = await post(request, baseURL!, '/api/v1/users', {
    username: EMMA.username, display_name: EMMA.display, password: PASSWORD, role_ids: [role('sales')], team_ids: [], language: 'en', time_zone: 'Europe/London',
  })
  const ellen = await post(request, baseURL!, '/api/v1/users', {
    username: ELLEN.username, display_name: ELLEN.display, password: PASSWORD, role_ids: [role('admin')], team_ids: [], language: 'en', time_zone: 'Europe/London',
  })
  emmaId = emma.id
  ellenId = ellen.id
  await post(request, baseURL!, '/api/v1/auth/logout')

  // Emma adds a customer named in Chinese (a cadence task comes with it), logs a call and gives it
  // back to the pool; Ellen claims it (two system entries on its timeline).
  await login(request, baseURL!, EMMA.username, PASSWORD)
  const c = await post(request, baseURL!, '/api/v1/customers', { name: CUSTOMER, country: 'EE' })
  customerId = c.id
  await post(request, baseURL!, `/api/v1/customers/${customerId}/timeline`, { kind: 'call', subject: 'Talked about the spring order' })
  const c2 = await post(request, baseURL!, '/api/v1/customers', { name: 'Tallinn Trading OÜ', country: 'EE' })
  await post(request, baseURL!, `/api/v1/customers/${c2.id}/release`, {})
  await post(request, baseURL!, '/api/v1/auth/logout')
  await login(request, baseURL!, ELLEN.username, PASSWORD)
  await post(request, baseURL!, `/api/v1/customers/${c2.id}/claim`)
  await post(request, baseURL!, `/api/v1/customers/${c2.id}/release`, {})
  await post(request, baseURL!, '/api/v1/auth/logout')
  tallinnId = c2.id
})

test('the English rep reads My day and the pool in English', async ({ page }) => {
  await loginAs(page, EMMA.username, PASSWORD)
  await page.goto('/crm/my-day')
  await expect(page.getByText(`Send the company introduction: ${CUSTOMER}`)).toBeVisible()
  await expectEnglish(page, 'My day', [CUSTOMER])
  await page.goto('/crm/pool')
  await expect(page.getByText('Tallinn Trading OÜ')).toBeVisible()
  await expectEnglish(page, 'the public pool', [CUSTOMER])
  await page.goto(`/crm/customers/${customerId}`)
  await expect(page.getByText('Talked about the spring order')).toBeVisible()
  await expectEnglish(page, "a customer's page", [CUSTOMER])
  await logout(page)
})

test('the English admin reads timelines, rules, pools and the audit log in English', async ({ page }) => {
  await loginAs(page, ELLEN.username, PASSWORD)
  await page.goto(`/crm/customers/${tallinnId}`)
  await expect(page.getByText('Ellen Park claimed it from the pool')).toBeVisible()
  await expect(page.getByText('Returned to the pool (released)').first()).toBeVisible()
  await expectEnglish(page, "a customer's timeline", [])
  await page.goto('/crm/settings')
  await expect(page.getByText('Public pool').first()).toBeVisible()
  await expectEnglish(page, 'the CRM settings (pools, cadence rules)', [])
  for (const who of [emmaId, ellenId]) {
    await page.goto(`/admin/audit?user_id=${who}`)
    await expect(page.locator('[data-test=audit-action], .el-table').first()).toBeVisible()
    await expectEnglish(page, 'the audit log', [CUSTOMER])
  }
  await logout(page)
})
