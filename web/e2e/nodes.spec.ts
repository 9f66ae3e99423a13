import { mkdirSync } from 'node:fs'
import { expect, test, type APIRequestContext } from '@playwright/test'
import { ADMIN, ensureSetup, loginAs } from './helpers'

// The order's follow-up nodes (SAL-5, issue 14 item 5), in headless Chromium against the real
// server: a merchandiser opens an order (laid out from the default "export order" template: PI
// confirmed done by itself, the deposit node late), marks "materials bought" done by hand with a
// note, and sees the order move to the next column on the follow-up board; a late order carries
// its late badge there. The screenshots (@screenshots, KONTOR_SCREENSHOTS=1) refresh
// docs/screenshots/nodes-*.

const PASSWORD = 'nodes-e2e-pass-1'
const MERCH = { username: 'nodes.merch', display: '赵跟单' }
const CUSTOMER = 'Nordlicht Lampen GmbH'

/** The company's calendar day (Asia/Shanghai) plus some days, "YYYY-MM-DD". */
function day(offset = 0): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
  const [y, m, d] = today.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + offset)).toISOString().slice(0, 10)
}

let orderId = 0
let lateOrderId = 0

test.describe.configure({ mode: 'serial' })

async function asAdmin(request: APIRequestContext, baseURL: string) {
  const headers = { origin: baseURL }
  const login = await request.post('/api/v1/auth/login', { headers, data: { username: ADMIN.username, password: ADMIN.password } })
  expect(login.ok()).toBe(true)
  return headers
}

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  const headers = await asAdmin(request, baseURL!)
  const roles = (await (await request.get('/api/v1/roles')).json()).items as { id: number; key: string | null }[]
  const role = roles.find((r) => r.key === 'merchandiser')!
  const user = await request.post('/api/v1/users', {
    headers,
    data: { username: MERCH.username, display_name: MERCH.display, password: PASSWORD, role_ids: [role.id], team_ids: [], language: 'zh-CN', time_zone: 'Asia/Shanghai' },
  })
  expect(user.status(), await user.text()).toBe(201)
  const merchId = (await user.json()).id
  const customer = await request.post('/api/v1/customers', { headers, data: { name: CUSTOMER, country: 'DE', owner_id: merchId } })
  expect(customer.status(), await customer.text()).toBe(201)
  const customerId = (await customer.json()).id
  const terms = [
    { label_zh: '定金', label_en: 'Deposit', percent: '30', method: 'tt', anchor: 'order_date', days: 0 },
    { label_zh: '尾款', label_en: 'Balance', percent: '70', method: 'tt', anchor: 'bl_date', days: 15 },
  ]
  const lines = [{ description: 'LED pendant lamp', quantity: '400', unit_price: '12.50' }]
  // Made two days ago with the deposit paid: "materials bought" is the current node.
  const order = await request.post('/api/v1/orders', {
    headers,
    data: { customer_id: customerId, currency: 'CNY', order_date: day(-2), promised_date: day(50), lines, terms },
  })
  expect(order.status(), await order.text()).toBe(201)
  orderId = (await order.json()).id
  const receipt = await request.post('/api/v1/receipts', { headers, data: { customer_id: customerId, amount: { amount: '1500.00', currency: 'CNY' }, date: day(-1) } })
  expect(receipt.status(), await receipt.text()).toBe(201)
  const alloc = await request.post(`/api/v1/receipts/${(await receipt.json()).id}/allocations`, {
    headers,
    data: { allocations: [{ order_id: orderId, instalment: 0, amount: '1500.00' }] },
  })
  expect(alloc.ok(), await alloc.text()).toBe(true)
  // Made 12 days ago, nothing paid: its deposit node is 5 days late.
  const late = await request.post('/api/v1/orders', {
    headers,
    data: { customer_id: customerId, currency: 'CNY', order_date: day(-12), promised_date: day(40), lines, terms },
  })
  expect(late.status(), await late.text()).toBe(201)
  lateOrderId = (await late.json()).id
})

test('complete a node by hand and see the order move on the board', async ({ page }) => {
  await loginAs(page, MERCH.username, PASSWORD)
  await page.goto(`/sales/orders/${orderId}`)
  const line = page.locator('[data-test=order-nodes]')
  await expect(line).toBeVisible()
  await expect(line.locator('[data-test=node-pi-done]')).toBeVisible()
  await expect(line.locator('[data-test=node-deposit-done]')).toBeVisible()
  await expect(line.locator('[data-test=node-materials-done]')).toHaveCount(0)

  // On the board: in the "materials" column.
  await page.goto('/sales/board')
  await expect(page.locator(`[data-test=board-col-materials] [data-test=board-card-${orderId}]`)).toBeVisible()
  await expect(page.locator(`[data-test=board-col-deposit] [data-test=board-card-${lateOrderId}] [data-test=board-late]`)).toContainText('5')

  // Back on the order: done by hand, with a note.
  await page.locator(`[data-test=board-card-${orderId}]`).click()
  await expect(page).toHaveURL(new RegExp(`/sales/orders/${orderId}$`))
  await page.locator('[data-test=node-materials-complete]').click()
  await page.locator('[data-test=node-note] textarea, textarea[data-test=node-note]').first().fill('面料已订 PO-工厂-88')
  await page.locator('[data-test=node-submit]').click()
  await expect(line.locator('[data-test=node-materials-done]')).toContainText(MERCH.display)
  await expect(line).toContainText('面料已订 PO-工厂-88')

  // The board moved it to the next column (production).
  await page.goto('/sales/board')
  await expect(page.locator(`[data-test=board-col-production] [data-test=board-card-${orderId}]`)).toBeVisible()
  await expect(page.locator(`[data-test=board-col-materials] [data-test=board-card-${orderId}]`)).toHaveCount(0)
})

test('screenshots of the node line and the board @screenshots', async ({ page, baseURL }) => {
  const out = `${process.cwd()}/../docs/screenshots/`
  mkdirSync(out, { recursive: true })
  await loginAs(page, MERCH.username, PASSWORD)
  for (const lang of ['zh-CN', 'en'] as const) {
    const res = await page.request.patch('/api/v1/me', { headers: { origin: baseURL! }, data: { language: lang } })
    expect(res.ok(), await res.text()).toBe(true)
    const short = lang === 'zh-CN' ? 'zh' : 'en'
    for (const [name, width, height] of [['desktop', 1440, 900], ['phone', 390, 844]] as const) {
      await page.setViewportSize({ width, height })
      await page.goto(`/sales/orders/${lateOrderId}`)
      await expect(page.locator('[data-test=order-nodes]')).toBeVisible()
      await page.locator('[data-test=order-nodes]').scrollIntoViewIfNeeded()
      await page.screenshot({ path: `${out}nodes-order-${name}-${short}.png`, fullPage: name === 'phone' })
      await page.goto('/sales/board')
      await expect(page.locator(`[data-test=board-card-${lateOrderId}]`)).toBeVisible()
      await page.screenshot({ path: `${out}nodes-board-${name}-${short}.png` })
    }
  }
  await page.request.patch('/api/v1/me', { headers: { origin: baseURL! }, data: { language: 'zh-CN' } })
})

