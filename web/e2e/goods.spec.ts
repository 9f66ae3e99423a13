import { mkdirSync } from 'node:fs'
import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import { ADMIN, ensureSetup, input, loginAs } from './helpers'

// Goods (GDS): in headless Chromium against the real server. The admin creates a warehouse and a
// supplier with a price for a product on the desktop, then a purchase order where the product's
// suppliers are offered as the API sums them up ("A: 7 days, …"), and confirms it. A first
// delivery (all passed) comes in through the API. Then, on a phone-sized screen, a worker at the
// dock receives part of the order with an inspection that rejects some: more than the tolerance is
// refused by the server on that very line; the right figures go through. The stock rises by the
// passed quantity only, the ledger shows the move, and the supplier's pass rate drops from 100 %
// to 90 %.

const SKU = 'E2E-GDS-LAMP'
const SUPPLIER = '宁波明灯照明有限公司'
const OTHER_SUPPLIER = 'Foshan Light Co.'

test.describe.configure({ mode: 'serial' })

let productId = 0
let headers: Record<string, string> = {}

async function login(request: APIRequestContext, baseURL: string) {
  headers = { origin: baseURL }
  const res = await request.post('/api/v1/auth/login', { headers, data: { username: ADMIN.username, password: ADMIN.password } })
  expect(res.ok()).toBe(true)
}

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  await login(request, baseURL!)
  const p = await request.post('/api/v1/products', {
    headers,
    data: { sku: SKU, name_zh: '台灯', name_en: 'Desk lamp', prices: [{ amount: '12.00', currency: 'USD' }] },
  })
  expect(p.status(), await p.text()).toBe(201)
  productId = (await p.json()).id
  // A second supplier of the product, so the buyer has a choice.
  const s = await request.post('/api/v1/suppliers', {
    headers,
    data: { name: OTHER_SUPPLIER, currency: 'CNY', lead_days: 5, prices: [{ product_id: productId, price: { amount: '40', currency: 'CNY' }, lead_days: 5 }] },
  })
  expect(s.status(), await s.text()).toBe(201)
  const la = await request.post('/api/v1/warehouses', { headers, data: { code: 'LA', name: 'Los Angeles', location: 'overseas', country: 'US', transit_days_sea: 30, transit_days_air: 5 } })
  expect(la.status(), await la.text()).toBe(201)
  await request.post('/api/v1/auth/logout', { headers })
})

let poUrl = ''
let supplierId = 0

test('the admin sets up a warehouse and a supplier, and orders from it', async ({ page }) => {
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await loginAs(page, ADMIN.username, ADMIN.password)

  // A warehouse: the main one, in Ningbo.
  await page.goto('/inventory/warehouses')
  await page.locator('[data-test=warehouse-create]').click()
  await input(page, 'warehouse-code').fill('NB')
  await input(page, 'warehouse-name').fill('宁波仓')
  await page.getByText('主仓', { exact: true }).click()
  await page.locator('[data-test=warehouse-save]').click()
  await expect(page.locator('[data-test=warehouses-table]')).toContainText('宁波仓')
  await expect(page.locator('[data-test=warehouses-table]')).toContainText('海外')

  // A supplier with a contact and its price, lead time and MOQ for the lamp.
  await page.locator('[data-test="nav-purchasing.suppliers"]').click()
  await expect(page).toHaveURL(/\/purchasing\/suppliers$/)
  await page.locator('[data-test=supplier-create]').click()
  await input(page, 'supplier-name').fill(SUPPLIER)
  await page.locator('[data-test=supplier-lead-days] input').fill('7')
  await page.locator('[data-test=supplier-add-contact]').click()
  await input(page, 'supplier-contact-name-0').fill('王经理')
  await page.locator('[data-test=supplier-product-picker]').click()
  await page.locator(`[data-test=product-option-${SKU}]`).click()
  await input(page, 'supplier-price-0').fill('38.50')
  await input(page, 'supplier-moq-0').fill('100')
  await page.locator('[data-test=supplier-save]').click()
  await expect(page).toHaveURL(/\/purchasing\/suppliers\/\d+$/)
  await expect(page.locator('[data-test=supplier-title]')).toHaveText(SUPPLIER)
  await expect(page.locator('[data-test=supplier-products]')).toContainText(SKU)
  await expect(page.locator('[data-test=supplier-products]')).toContainText('38.50')
  await expect(page.locator('[data-test=supplier-figures]')).toContainText('—')

  // A purchase order: the lamp's suppliers are offered with their lead time; picking one makes it the supplier.
  await page.locator('[data-test="nav-purchasing.orders"]').click()
  await page.locator('[data-test=po-create]').click()
  await expect(page).toHaveURL(/\/purchasing\/orders\/new$/)
  await page.locator('[data-test=po-product-picker]').click()
  await page.locator(`[data-test=product-option-${SKU}]`).click()
  const choices = page.locator('[data-test=po-line-choices-0]')
  await expect(choices).toContainText(`${SUPPLIER}：7 天`)
  await expect(choices).toContainText(`${OTHER_SUPPLIER}：5 天`)
  await page.locator(`[data-test="po-choice-${SUPPLIER}"]`).click()
  await expect(page.locator('[data-test=po-supplier-select]')).toContainText(SUPPLIER)
  await input(page, 'po-line-quantity-0').fill('100')
  await page.locator('[data-test=po-save-confirm]').click()
  await expect(page).toHaveURL(/\/purchasing\/orders\/\d+$/)
  await expect(page.locator('[data-test=po-status-confirmed]')).toBeVisible()
  await expect(page.locator('[data-test=po-supplier]')).toHaveText(SUPPLIER)
  // The supplier's price was taken: 100 × 38.50.
  await expect(page.locator('[data-test=po-lines]')).toContainText('3,850.00')
  poUrl = page.url()
  expect(pageErrors).toEqual([])
})

test('at the dock on a phone: part of the order is received, some rejected; stock and pass rate follow', async ({ browser, baseURL, request }) => {
  const poId = Number(poUrl.split('/').pop())
  // A first delivery, all passed, through the API: the supplier's pass rate is 100 %.
  await login(request, baseURL!)
  const first = await request.post(`/api/v1/purchase-orders/${poId}/receipts`, { headers, data: { lines: [{ line: 0, inspected: '30' }] } })
  expect(first.status(), await first.text()).toBe(200)
  supplierId = (await first.json()).supplier_id as number

  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await loginAs(page, ADMIN.username, ADMIN.password)

  await page.goto(`/purchasing/suppliers/${supplierId}`)
  await expect(page.locator('[data-test=supplier-pass-rate]')).toContainText('100 %')

  await page.goto(poUrl)
  await expect(page.locator('[data-test=po-status-partially_received]')).toBeVisible()
  await page.locator('[data-test=po-receive]').click()
  await expect(page).toHaveURL(/\/receive$/)
  const line = page.locator('[data-test=receive-line-0]')
  await expect(line).toContainText('订购 100')
  await expect(line).toContainText('已收 30')
  // A phone keyboard with digits.
  await expect(input(page, 'receive-inspected-0')).toHaveAttribute('inputmode', 'decimal')

  // Rejects without a reason: refused on the line before anything is sent.
  await input(page, 'receive-inspected-0').fill('60')
  await input(page, 'receive-rejected-0').fill('10')
  await expect(page.locator('[data-test=receive-passed-0]')).toContainText('50')
  await page.locator('[data-test=receive-submit]').click()
  await expect(page.locator('[data-test=receive-error-0]')).toContainText('原因')

  // More than ordered beyond the tolerance: the server refuses it, and says so on the line.
  await input(page, 'receive-reason-0').fill('灯罩划伤')
  await input(page, 'receive-inspected-0').fill('200')
  await input(page, 'receive-rejected-0').fill('0')
  await page.locator('[data-test=receive-submit]').click()
  await expect(page.locator('[data-test=receive-error-0]')).toContainText('超过允许的 5%')
  await expect(page).toHaveURL(/\/receive$/)

  // The real delivery: 60 arrived, 10 rejected.
  await input(page, 'receive-inspected-0').fill('60')
  await input(page, 'receive-rejected-0').fill('10')
  await input(page, 'receive-reason-0').fill('灯罩划伤')
  await page.locator('[data-test=receive-submit]').click()
  await expect(page).toHaveURL(poUrl)
  await expect(page.locator('[data-test=po-line-received-0]')).toContainText('80')
  await expect(page.locator('[data-test=po-line-rejected-0]')).toContainText('10')
  await expect(page.locator('[data-test=po-receipts]')).toContainText('灯罩划伤')

  // Stock rose by what passed: 30 + 50 in Ningbo.
  await page.goto('/inventory/stock')
  await expect(page.locator(`[data-test=stock-on-hand-${SKU}-NB]`)).toHaveText('80')
  await page.locator(`[data-test=stock-card-${SKU}-NB]`).click()
  await expect(page).toHaveURL(/tab=ledger/)
  await expect(page.locator('[data-test=ledger-table]')).toContainText('+50')
  await expect(page.locator('[data-test=ledger-table]')).toContainText('+30')

  // The supplier's pass rate: 80 passed of 90 inspected.
  await page.goto(`/purchasing/suppliers/${supplierId}`)
  await expect(page.locator('[data-test=supplier-pass-rate]')).toContainText('88.9 %')
  expect(pageErrors).toEqual([])
  await context.close()
})

test('availability at order entry names the warehouses and the shortfall', async ({ page, request, baseURL }) => {
  await login(request, baseURL!)
  const a = await request.get(`/api/v1/availability?product_id=${productId}&quantity=100`, { headers: { ...headers, 'accept-language': 'zh-CN' } })
  expect(a.ok()).toBe(true)
  const text = (await a.json()).text as string
  expect(text).toContain('20')

  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/sales/quotations/new')
  await page.locator('[data-test=line-add-product]').click()
  await page.locator(`[data-test=product-option-${SKU}]`).click()
  await input(page, 'line-0-quantity').fill('100')
  await expect(page.locator('[data-test=line-0-availability]')).toContainText(text)
  await expect(page.locator('[data-test=line-0-availability]')).toContainText('供应商在订 20')
  // Changing the quantity asks again.
  await input(page, 'line-0-quantity').fill('50')
  await expect(page.locator('[data-test=line-0-availability]')).not.toContainText('20')
})

test('screenshots of the goods screens @screenshots', async ({ page, baseURL }) => {
  test.setTimeout(600_000)
  const out = `${process.cwd()}/../docs/screenshots/`
  mkdirSync(out, { recursive: true })
  await login(page.request, baseURL!)
  const poId = Number(poUrl.split('/').pop())
  const warehouses = (await (await page.request.get('/api/v1/warehouses')).json()).items as { id: number; code: string }[]
  const nb = warehouses.find((w) => w.code === 'NB')!.id
  const la = warehouses.find((w) => w.code === 'LA')!.id
  const tr = await page.request.post('/api/v1/stock-transfers', { headers, data: { from_warehouse_id: nb, to_warehouse_id: la, mode: 'sea', lines: [{ product_id: productId, quantity: '10' }] } })
  expect(tr.status(), await tr.text()).toBe(201)

  const shots: { name: string; path: string; ready: string; prepare?: (p: Page) => Promise<void> }[] = [
    { name: 'suppliers', path: '/purchasing/suppliers', ready: '[data-test^=supplier-]' },
    { name: 'supplier', path: `/purchasing/suppliers/${supplierId}`, ready: '[data-test=supplier-figures]' },
    { name: 'purchase-orders', path: '/purchasing/orders', ready: '[data-test^=po-]' },
    { name: 'purchase-order', path: `/purchasing/orders/${poId}`, ready: '[data-test=po-receipts]' },
    {
      name: 'purchase-order-new',
      path: `/purchasing/orders/new`,
      ready: '[data-test=po-product-picker]',
      prepare: async (p) => {
        await p.locator('[data-test=po-product-picker]').click()
        await p.locator(`[data-test=product-option-${SKU}]`).click()
        await expect(p.locator('[data-test=po-line-choices-0]')).toBeVisible()
        await input(p, 'po-line-quantity-0').fill('500')
      },
    },
    {
      name: 'receive',
      path: `/purchasing/orders/${poId}/receive`,
      ready: '[data-test=receive-line-0]',
      prepare: async (p) => {
        await input(p, 'receive-inspected-0').fill('20')
        await input(p, 'receive-rejected-0').fill('2')
      },
    },
    { name: 'warehouses', path: '/inventory/warehouses', ready: '[data-test^=warehouse]' },
    { name: 'stock', path: '/inventory/stock', ready: `[data-test=stock-on-hand-${SKU}-NB]` },
    { name: 'ledger', path: `/inventory/stock?tab=ledger&product_id=${productId}`, ready: '[data-test=ledger-table] .el-table__row, [data-test=ledger-table] .item-card' },
    { name: 'transfers', path: '/inventory/stock?tab=transfers', ready: '[data-test^=transfer-receive-]' },
    {
      name: 'supplier-edit',
      path: `/purchasing/suppliers/${supplierId}`,
      ready: '[data-test=supplier-edit]',
      prepare: async (p) => {
        await p.locator('[data-test=supplier-edit]').click()
        await expect(p.locator('[data-test=supplier-price-0]')).toBeVisible()
      },
    },
    {
      name: 'transfer-new',
      path: '/inventory/stock',
      ready: '[data-test=transfer-create]',
      prepare: async (p) => {
        await p.locator('[data-test=transfer-create]').click()
        await p.locator('[data-test=transfer-product-picker]').click()
        await p.locator(`[data-test=product-option-${SKU}]`).click()
        await input(p, 'transfer-quantity-0').fill('20')
      },
    },
    {
      name: 'quotation-availability',
      path: '/sales/quotations/new',
      ready: '[data-test=line-add-product]',
      prepare: async (p) => {
        await p.locator('[data-test=line-add-product]').click()
        await p.locator(`[data-test=product-option-${SKU}]`).click()
        await input(p, 'line-0-quantity').fill('100')
        await expect(p.locator('[data-test=line-0-availability]')).toBeVisible()
      },
    },
  ]
  for (const lang of ['zh-CN', 'en'] as const) {
    await page.request.patch('/api/v1/me', { headers, data: { language: lang } })
    for (const [size, width, height] of [['desktop', 1440, 900], ['phone', 390, 844]] as const) {
      await page.setViewportSize({ width, height })
      for (const s of shots) {
        await page.goto(s.path)
        await expect(page.locator(s.ready).first()).toBeVisible()
        if (s.prepare) await s.prepare(page)
        await page.waitForTimeout(400)
        await page.screenshot({ path: `${out}goods-${s.name}-${size}-${lang === 'zh-CN' ? 'zh' : 'en'}.png`, fullPage: true })
      }
    }
  }
  await page.request.patch('/api/v1/me', { headers, data: { language: 'zh-CN' } })
})

test('a sales order short of stock drafts its purchase orders from its page', async ({ page, request, baseURL }) => {
  await login(request, baseURL!)
  const customer = await request.post('/api/v1/customers', { headers, data: { name: 'Harbour Lamps Ltd', country: 'GB' } })
  expect(customer.status(), await customer.text()).toBe(201)
  const q = await request.post('/api/v1/quotations', {
    headers,
    data: { customer_id: (await customer.json()).id, currency: 'CNY', incoterm: 'FOB', named_place: 'Ningbo', payment_terms_id: 1, lines: [{ product_id: productId, quantity: '500', unit_price: '80' }] },
  })
  expect(q.status(), await q.text()).toBe(201)
  const qid = (await q.json()).id
  for (const step of ['send', 'accept']) {
    const cur = await (await request.get(`/api/v1/quotations/${qid}`)).json()
    expect((await request.post(`/api/v1/quotations/${qid}/steps`, { headers, data: { step, version: cur.version } })).ok()).toBe(true)
  }
  const order = await request.post(`/api/v1/quotations/${qid}/order`, { headers, data: {} })
  expect(order.status(), await order.text()).toBe(201)
  const orderId = (await order.json()).id

  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto(`/sales/orders/${orderId}`)
  const card = page.locator('[data-test=order-availability]')
  await expect(card.locator('[data-test=order-availability-0]')).toContainText('缺')
  await card.locator('[data-test=order-request-purchase]').click()
  // A draft purchase order for the shortfall, linked from the card, for the sales order.
  const link = card.locator('a[href^="/purchasing/orders/"]').first()
  await expect(link).toBeVisible()
  await link.click()
  await expect(page.locator('[data-test=po-status-draft]')).toBeVisible()
  await expect(page.locator('[data-test=fact-sales_order]')).toContainText('SO-')
})
