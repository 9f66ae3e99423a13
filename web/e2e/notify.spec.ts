import { expect, test, type Page } from '@playwright/test'
import { ADMIN, ensureSetup, loginAs } from './helpers'

// Notifications, two people in headless Chromium against the real server: the admin (A) gives a
// customer to a rep (B) on the customer's page; B's bell shows it without a reload (server-sent
// events), the dropdown and the Notifications page list it in B's language, and opening it marks
// it read and leads to the customer.
// With SHOTS=1 the bell's dropdown and the page are photographed (desktop 1440, phone 390, zh-CN
// and en) into ../docs/screenshots/.

const PASSWORD = 'notify-e2e-pass-1'
const REP = { username: 'lin.fang', display: '林芳' }
const FIRMS = ['Oskarsson Bygg AB', 'Haugen Marine AS', 'Virtanen Metalli Oy']
const SHOTS = !!process.env.SHOTS

test.describe.configure({ mode: 'serial', timeout: SHOTS ? 300_000 : 90_000 })

let firmIds: number[] = []

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  const headers = { origin: baseURL! }
  const login = await request.post('/api/v1/auth/login', { headers, data: { username: ADMIN.username, password: ADMIN.password } })
  expect(login.ok()).toBe(true)
  const roles = (await (await request.get('/api/v1/roles')).json()).items as { id: number; key: string | null }[]
  const sales = roles.find((r) => r.key === 'sales')!
  const res = await request.post('/api/v1/users', {
    headers,
    data: { username: REP.username, display_name: REP.display, password: PASSWORD, role_ids: [sales.id], team_ids: [], language: 'zh-CN', time_zone: 'Asia/Shanghai' },
  })
  expect(res.status(), await res.text()).toBe(201)
  firmIds = []
  for (const name of FIRMS) {
    const c = await request.post('/api/v1/customers', { headers, data: { name, country: 'SE' } })
    expect(c.status(), await c.text()).toBe(201)
    firmIds.push((await c.json()).id)
  }
  await request.post('/api/v1/auth/logout', { headers })
})

/** The admin gives a customer to the rep on the customer's page. */
async function giveToRep(page: Page, id: number) {
  await page.goto(`/crm/customers/${id}`)
  await page.locator('[data-test=customer-transfer]').click()
  const dialog = '[data-test=transfer-dialog]'
  await page.locator(`${dialog} [data-test=user-picker]`).first().click()
  await page.keyboard.type(REP.username)
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: `(${REP.username})` }).first()
  await expect(option).toBeVisible()
  await option.click()
  await page.locator('[data-test=transfer-confirm]').click()
  await expect(page.locator('.el-message--success')).toBeVisible()
}

async function setLanguage(page: Page, lang: string) {
  const origin = new URL(page.url()).origin
  const res = await page.request.fetch('/api/v1/me', { method: 'PATCH', data: { language: lang }, headers: { origin } })
  expect(res.ok(), await res.text()).toBe(true)
}

test('A gives B a customer; B’s bell updates live, and the page lists it', async ({ page, browser }) => {
  const errors: string[] = []
  // B in a browser of their own.
  const contextB = await browser.newContext()
  const pageB = await contextB.newPage()
  pageB.on('pageerror', (e) => errors.push(e.message))
  await loginAs(pageB, REP.username, PASSWORD)
  await pageB.goto('/notifications')
  const badge = pageB.locator('[data-test=notify-badge] .el-badge__content')
  await expect(pageB.locator('[data-test=notifications-page]')).toContainText('暂无通知')
  await expect(badge).toBeHidden()

  // A acts in another browser; B's badge and open page follow without a reload.
  await loginAs(page, ADMIN.username, ADMIN.password)
  await giveToRep(page, firmIds[0])
  await expect(badge).toHaveText('1')
  const rows = pageB.locator('[data-test=notify-row]')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText(`${ADMIN.display} 将客户 ${FIRMS[0]} 转给了您`)
  await expect(rows.first()).toContainText('客户转入')

  await giveToRep(page, firmIds[1])
  await expect(badge).toHaveText('2')
  await expect(rows).toHaveCount(2)
  await expect(rows.first()).toContainText(FIRMS[1])

  // The dropdown lists the latest; opening one marks it read and goes to the customer.
  await pageB.locator('[data-test=notify-bell]').click()
  const drop = pageB.locator('[data-test=notify-dropdown]')
  await expect(drop).toBeVisible()
  await expect(drop.locator('[data-test=notify-item]')).toHaveCount(2)
  await drop.locator('[data-test=notify-item]', { hasText: FIRMS[1] }).click()
  await expect(pageB).toHaveURL(new RegExp(`/crm/customers/${firmIds[1]}$`))
  await expect(pageB.locator('h1, .customer-name').first()).toContainText(FIRMS[1])
  await expect(badge).toHaveText('1')

  // The page: the unread filter, mark all read.
  await pageB.goto('/notifications')
  await pageB.locator('[data-test=notify-filter-unread]').click()
  await expect(pageB).toHaveURL(/unread=1/)
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText(FIRMS[0])
  // The filter lives in the address: a reload keeps it.
  await pageB.reload()
  await expect(pageB.locator('[data-test=notify-filter-unread]')).toHaveClass(/is-active/)
  await expect(rows).toHaveCount(1)
  await pageB.locator('[data-test=notify-page-mark-all]').click()
  await expect(badge).toBeHidden()
  await expect(pageB.locator('[data-test=notifications-page]')).toContainText('没有未读通知')
  await pageB.locator('[data-test=notify-filter-all]').click()
  await expect(rows).toHaveCount(2)

  // In English, the same notifications read in English.
  await setLanguage(pageB, 'en')
  await pageB.reload()
  await expect(rows.first()).toContainText(`${ADMIN.display} gave you the customer ${FIRMS[1]}`)
  await setLanguage(pageB, 'zh-CN')

  if (SHOTS) {
    await giveToRep(page, firmIds[2])
    await expect(badge).toHaveText('1')
    await shots(pageB)
  }
  expect(errors).toEqual([])
  await contextB.close()
})

async function shots(page: Page) {
  const dir = '../docs/screenshots'
  for (const lang of ['zh-CN', 'en']) {
    await setLanguage(page, lang)
    const l = lang === 'en' ? 'en' : 'zh'
    for (const [n, width, height] of [
      ['desktop', 1440, 900],
      ['phone', 390, 844],
    ] as const) {
      await page.setViewportSize({ width, height })
      await page.goto('/crm/my-day')
      await page.locator('[data-test=notify-bell]').click()
      await expect(page.locator('[data-test=notify-item]').first()).toBeVisible()
      await page.waitForTimeout(500)
      await page.screenshot({ path: `${dir}/notifications-bell-${n}-${l}.png` })
      await page.keyboard.press('Escape')
      await page.goto('/notifications')
      await expect(page.locator('[data-test=notify-row]').first()).toBeVisible()
      await page.waitForTimeout(400)
      await page.screenshot({ path: `${dir}/notifications-page-${n}-${l}.png` })
    }
  }
  await setLanguage(page, 'zh-CN')
  await page.setViewportSize({ width: 1280, height: 800 })
}

