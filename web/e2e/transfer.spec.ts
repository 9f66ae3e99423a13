import { expect, test, type Page } from '@playwright/test'
import { ADMIN, confirmBox, ensureSetup, input, loginAs, logout } from './helpers'

// Transfer requests (转移申请), two reps in headless Chromium against the real server: rep B types
// a firm rep A already owns, the duplicate warning offers "申请转移", B sends a note; A finds the
// request on My day and accepts; the customer is B's, and B's own list says so. A second request
// (A asks back) is declined by B with a reason, which A reads on My day.
// With SHOTS=1 the screens are also photographed (desktop 1280, phone 390, zh-CN and en) into
// test-results/transfer-shots/.

const PASSWORD = 'transfer-e2e-pass-1'
const REP_A = { username: 'zhou.jie', display: '周杰' }
const REP_B = { username: 'sun.li', display: '孙丽' }
const FIRM = 'Kowalczyk Armaturen Sp. z o.o.'
const NOTE = '上周在广交会见过对方采购经理'
const SHOTS = !!process.env.SHOTS

// Photographs take a while on a shared machine.
test.describe.configure({ mode: 'serial', timeout: SHOTS ? 300_000 : 90_000 })

async function api(page: Page, method: 'GET' | 'POST' | 'PATCH', path: string, data?: unknown) {
  const origin = new URL(page.url() === 'about:blank' ? test.info().project.use.baseURL! : page.url()).origin
  const res = await page.request.fetch(`/api/v1${path}`, { method, data, headers: { origin } })
  expect(res.ok(), `${method} ${path}: ${await res.text()}`).toBe(true)
  return res.json()
}

/** Photographs the current screen in both sizes and languages (the user's language is switched and restored). */
/** The `transfer_ref` the logged-in user's duplicate check gives for the firm (bound to that user). */
async function transferRef(page: Page): Promise<string> {
  const check = await api(page, 'GET', `/duplicates/check?name=${encodeURIComponent('Kowalczyk Armaturen')}`)
  const ref = check.candidates.map((c: { transfer_ref: string | null }) => c.transfer_ref).find((r: string | null) => r != null)
  expect(ref).toMatch(/^\d+\.[0-9a-f]{16}$/)
  return ref as string
}

async function shoot(page: Page, name: string, prepare: () => Promise<void>) {
  if (!SHOTS) return
  const dir = 'test-results/transfer-shots'
  for (const lang of ['zh-CN', 'en']) {
    await api(page, 'PATCH', '/me', { language: lang })
    for (const size of [
      { n: 'desktop', width: 1280, height: 800 },
      { n: 'phone', width: 390, height: 844 },
    ]) {
      await page.setViewportSize({ width: size.width, height: size.height })
      await prepare()
      await page.waitForTimeout(600)
      await page.screenshot({ path: `${dir}/${name}-${size.n}-${lang}.png`, fullPage: false })
    }
  }
  await api(page, 'PATCH', '/me', { language: 'zh-CN' })
  await page.setViewportSize({ width: 1280, height: 800 })
  await prepare()
}

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  const headers = { origin: baseURL! }
  const login = await request.post('/api/v1/auth/login', { headers, data: { username: ADMIN.username, password: ADMIN.password } })
  expect(login.ok()).toBe(true)
  const roles = (await (await request.get('/api/v1/roles')).json()).items as { id: number; key: string | null }[]
  const sales = roles.find((r) => r.key === 'sales')!
  for (const u of [REP_A, REP_B]) {
    const res = await request.post('/api/v1/users', {
      headers,
      data: { username: u.username, display_name: u.display, password: PASSWORD, role_ids: [sales.id], team_ids: [], language: 'zh-CN', time_zone: 'Asia/Shanghai' },
    })
    expect(res.status(), await res.text()).toBe(201)
  }
  await request.post('/api/v1/auth/logout', { headers })
  // Rep A's customer, made through the API.
  expect((await request.post('/api/v1/auth/login', { headers, data: { username: REP_A.username, password: PASSWORD } })).ok()).toBe(true)
  const created = await request.post('/api/v1/customers', {
    headers,
    data: { name: FIRM, country: 'PL', email: 'biuro@kowalczyk-armaturen.pl', contacts: [{ name: 'Piotr Kowalczyk', emails: ['piotr@kowalczyk-armaturen.pl'] }] },
  })
  expect(created.status(), await created.text()).toBe(201)
  await request.post('/api/v1/auth/logout', { headers })
})

async function openNewCustomer(page: Page) {
  await page.goto('/crm/customers')
  await page.locator('[data-test=customer-create]').click()
  await expect(page.locator('[data-test=customer-dialog]').first()).toBeVisible()
  await input(page, 'customer-name').fill('Kowalczyk Armaturen')
  await input(page, 'customer-email').fill('info@kowalczyk-armaturen.pl')
}

test('rep B asks for rep A’s firm from the duplicate warning; A accepts on My day', async ({ page }) => {
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))

  await loginAs(page, REP_B.username, PASSWORD)
  await openNewCustomer(page)
  const warning = page.locator('[data-test=duplicate-warning]')
  await expect(warning).toBeVisible()
  await expect(warning).toContainText(REP_A.display)
  // Nothing about the firm beyond who owns it.
  await expect(warning).not.toContainText('Kowalczyk Armaturen Sp.')
  await expect(warning).not.toContainText('Piotr')
  const ask = warning.locator('[data-test=transfer-ask]')
  await expect(ask).toBeVisible()
  await shoot(page, '1-warning', async () => {
    await page.reload()
    await openNewCustomer(page)
    await expect(page.locator('[data-test=transfer-ask]')).toBeVisible()
  })

  await page.locator('[data-test=transfer-ask]').click()
  const dialog = page.locator('.el-dialog[data-test=transfer-ask-dialog], [data-test=transfer-ask-dialog] .el-dialog').first()
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText(REP_A.display)
  await page.locator('textarea[data-test=transfer-note], [data-test=transfer-note] textarea').first().fill(NOTE)
  if (SHOTS) {
    for (const lang of ['zh-CN', 'en']) {
      await api(page, 'PATCH', '/me', { language: lang })
      for (const [n, width, height] of [
        ['desktop', 1280, 800],
        ['phone', 390, 844],
      ] as const) {
        await page.setViewportSize({ width, height })
        await page.reload()
        await openNewCustomer(page)
        await page.locator('[data-test=transfer-ask]').click()
        await page.locator('textarea[data-test=transfer-note], [data-test=transfer-note] textarea').first().fill(NOTE)
        await page.waitForTimeout(600)
        await page.screenshot({ path: `test-results/transfer-shots/2-ask-dialog-${n}-${lang}.png` })
      }
    }
    await api(page, 'PATCH', '/me', { language: 'zh-CN' })
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.reload()
    await openNewCustomer(page)
    await page.locator('[data-test=transfer-ask]').click()
    await page.locator('textarea[data-test=transfer-note], [data-test=transfer-note] textarea').first().fill(NOTE)
  }
  await page.locator('[data-test=transfer-send]').click()
  await expect(page.locator('[data-test=transfer-asked]')).toBeVisible()
  await expect(page.locator('.el-message--success')).toContainText(REP_A.display)
  // Asking twice is refused with a message that names the owner.
  const again = await page.request.post('/api/v1/transfer-requests', {
    data: { transfer_ref: await transferRef(page) },
    headers: { origin: new URL(page.url()).origin, 'accept-language': 'zh-CN' },
  })
  expect(again.status()).toBe(409)

  // B's My day lists the request as pending, without the firm's name beyond what B typed.
  await page.goto('/crm/my-day')
  const mine = page.locator('[data-test=transfer-outgoing]')
  await expect(mine).toHaveCount(1)
  await expect(mine).toHaveAttribute('data-status', 'pending')
  await expect(mine).toContainText(REP_A.display)
  await expect(mine).not.toContainText('Sp. z o.o.')
  await logout(page)

  // A sees it on My day and accepts.
  await loginAs(page, REP_A.username, PASSWORD)
  await expect(page).toHaveURL(/\/crm\/my-day$/)
  const incoming = page.locator('[data-test=transfer-incoming]')
  await expect(incoming).toHaveCount(1)
  await expect(incoming).toContainText(REP_B.display)
  await expect(incoming).toContainText(FIRM)
  await expect(incoming).toContainText(NOTE)
  await shoot(page, '3-my-day-incoming', async () => {
    await page.reload()
    await expect(page.locator('[data-test=transfer-incoming]')).toHaveCount(1)
  })
  await incoming.locator('[data-test=transfer-accept]').click()
  await expect(page.locator('.el-message-box')).toContainText(REP_B.display)
  await confirmBox(page)
  await expect(page.locator('.el-message--success')).toBeVisible()
  await expect(page.locator('[data-test=transfer-incoming]')).toHaveCount(0)

  // A asks for it back; B will decline.
  await logout(page)
  await loginAs(page, REP_B.username, PASSWORD)
  const accepted = page.locator('[data-test=transfer-outgoing][data-status=accepted]')
  await expect(accepted).toBeVisible()
  await expect(accepted).toContainText(FIRM)
  await accepted.locator('a').click()
  await expect(page).toHaveURL(/\/crm\/customers\/\d+$/)
  await expect(page.locator('body')).toContainText(FIRM)
  await expect(page.locator('body')).toContainText('Piotr Kowalczyk')
  expect(pageErrors).toEqual([])
})

test('a request is declined with a reason, which the requester reads', async ({ page }) => {
  await loginAs(page, REP_A.username, PASSWORD)
  const outgoing = await api(page, 'GET', '/transfer-requests?direction=outgoing')
  expect(outgoing.items).toHaveLength(0)
  await api(page, 'POST', '/transfer-requests', { transfer_ref: await transferRef(page), note: '我想拿回来' })
  await logout(page)

  await loginAs(page, REP_B.username, PASSWORD)
  const incoming = page.locator('[data-test=transfer-incoming]')
  await expect(incoming).toHaveCount(1)
  await incoming.locator('[data-test=transfer-decline]').click()
  const box = page.locator('.el-message-box')
  await expect(box).toBeVisible()
  // A reason is required.
  await confirmBox(page)
  await expect(box.locator('.el-message-box__errormsg')).toBeVisible()
  await box.locator('textarea').fill('客户已由我跟进下单')
  await confirmBox(page)
  await expect(page.locator('[data-test=transfer-incoming]')).toHaveCount(0)
  await logout(page)

  await loginAs(page, REP_A.username, PASSWORD)
  const declined = page.locator('[data-test=transfer-outgoing][data-status=declined]')
  await expect(declined).toBeVisible()
  await expect(declined).toContainText('客户已由我跟进下单')
  await shoot(page, '4-my-day-outgoing', async () => {
    await page.reload()
    await expect(page.locator('[data-test=transfer-outgoing]')).toHaveCount(1)
  })
})
