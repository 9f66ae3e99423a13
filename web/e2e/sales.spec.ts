import { mkdirSync } from 'node:fs'
import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import { ADMIN, confirmBox, ensureSetup, input, loginAs, logout } from './helpers'

// Quotation to cash (issue 13, item 10), in headless Chromium against the real server:
// finance enters the USD rates (the order date's and each receipt date's, a bad rates file first);
// a sales rep makes a quotation for their customer from its page (a catalogue product and a
// free-text line, totals live as typed), sends it, revises it (revision 1 stays readable), sends
// it again, records the customer's acceptance and makes the order, enters the B/L date (the
// balance gets its due date) and opens the dunning letter; finance records two receipts at
// different rates and confirms the proposed matching; a merchandiser (a role that hides profit)
// adds the freight bill and sees revenue and costs but no profit; the order shows finance the
// received, outstanding, exchange gain and profit, and the rep the same actual profit, no costs.
// The screenshots (@screenshots, KONTOR_SCREENSHOTS=1) refresh docs/screenshots/sales-*.

const PASSWORD = 'sales-e2e-pass-1'
const REP = { username: 'sales.rep', display: '林业务' }
const FIN = { username: 'sales.fin', display: '钱财务' }
const MERCH = { username: 'sales.merch', display: '孙跟单' }
const CUSTOMER = 'Harbour Lights Trading Ltd'
const SKU = 'E2E-SALES-LED'

// Figures (USD order, CNY base): 600 × 3.20 + 1 × 85.555 − 10 % = 1,920.00 + 77.00 = 1,997.00;
// terms 30 / 70: 599.10 + 1,397.90. Rates: order date 7.10, receipt 1 7.20, receipt 2 7.25.
// FX: 599.10 × 0.10 = 59.91; 1,397.90 × 0.15 = 209.685 → 209.69; together 269.60.
// Revenue 1,997.00 × 7.10 = 14,178.70; actual costs: bank fee 9.00 × 7.20 = 64.80 and freight
// 800.00 → 864.80; actual profit 14,178.70 − 864.80 + 269.60 = 13,583.50 (95.8 %).
const ACTUAL_PROFIT = '13,583.50'

/** The company's calendar day (Asia/Shanghai) plus some days, "YYYY-MM-DD". */
function day(offset = 0): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
  const [y, m, d] = today.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + offset)).toISOString().slice(0, 10)
}
const ORDER_DATE = day(-2)
const RECEIPT_1 = day(-1)
const RECEIPT_2 = day(0)

let customerId = 0
let orderId = 0
let orderNumber = ''
let quotationId = 0

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
  // The rep and the merchandiser in one team (a merchandiser reads the team's orders).
  const team = await request.post('/api/v1/teams', { headers, data: { name: '华南外贸组 E2E' } })
  expect(team.status(), await team.text()).toBe(201)
  const teamId = (await team.json()).id
  const roles = (await (await request.get('/api/v1/roles')).json()).items as { id: number; key: string | null }[]
  const ids: Record<string, number> = {}
  for (const [u, key, teams] of [
    [REP, 'sales', [teamId]],
    [FIN, 'finance', []],
    [MERCH, 'merchandiser', [teamId]],
  ] as const) {
    const role = roles.find((r) => r.key === key)!
    const res = await request.post('/api/v1/users', {
      headers,
      data: { username: u.username, display_name: u.display, password: PASSWORD, role_ids: [role.id], team_ids: teams, language: 'zh-CN', time_zone: 'Asia/Shanghai' },
    })
    expect(res.status(), await res.text()).toBe(201)
    ids[u.username] = (await res.json()).id
  }
  const customer = await request.post('/api/v1/customers', { headers, data: { name: CUSTOMER, country: 'GB', owner_id: ids[REP.username] } })
  expect(customer.status(), await customer.text()).toBe(201)
  customerId = (await customer.json()).id
  const product = await request.post('/api/v1/products', {
    headers,
    data: {
      sku: SKU,
      name_zh: 'LED 平板灯',
      name_en: 'LED panel light',
      unit: 'pcs',
      prices: [{ amount: '3.20', currency: 'USD' }],
      cost: { amount: '14.80', currency: 'CNY' },
      packing: { units_per_carton: 50, carton_cm: ['60', '40', '30'], gross_kg: '12.5' },
    },
  })
  expect(product.status(), await product.text()).toBe(201)
  await request.post('/api/v1/auth/logout', { headers })
})

/** Picks an option of an Element Plus select by typing into it. */
async function pick(page: Page, select: string, text: string, option: string) {
  await page.locator(`[data-test="${select}"]`).click()
  await page.keyboard.type(text)
  await page.locator(`[data-test="${option}"]`).click()
}

/** An Element Plus textarea (the data-test attribute on it or on its wrapper). */
const textarea = (page: Page, name: string) => page.locator(`textarea[data-test="${name}"], [data-test="${name}"] textarea`).first()

/** Types a date into an Element Plus date picker. */
async function typeDate(page: Page, name: string, ymd: string) {
  const box = input(page, name)
  await box.click()
  await box.fill(ymd)
  await box.press('Enter')
}

test('finance enters the USD rates; a bad rates file is refused with its row named', async ({ page }) => {
  await loginAs(page, FIN.username, PASSWORD)
  await page.locator('[data-test="nav-finance.rates"]').click()
  await expect(page).toHaveURL(/\/finance\/rates$/)

  // A file whose third row names an unknown currency: nothing is imported, the row is named.
  await page.locator('[data-test=rates-import] input[type=file]').setInputFiles({
    name: 'rates.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`date,currency,rate\n${ORDER_DATE},USD,7.10\n${ORDER_DATE},XXX,1.5\n`),
  })
  await expect(page.locator('[data-test=rates-import-error]')).toContainText('第 3 行')
  await expect(page.locator('[data-test=rates-table]')).not.toContainText('7.1 CNY')

  for (const [date, rate] of [
    [ORDER_DATE, '7.10'],
    [RECEIPT_1, '7.20'],
    [RECEIPT_2, '7.25'],
  ]) {
    await typeDate(page, 'rate-date', date)
    await input(page, 'rate-value').fill(rate)
    await page.locator('[data-test=rate-save]').click()
    await expect(page.locator(`[data-test="rate-USD-${date}"]`)).toHaveText(`1 USD = ${rate.replace(/0+$/, '')} CNY`)
  }
  await logout(page)
})

test('a rep quotes from the customer’s page, sends, revises, sends again, and the accepted quotation becomes the order', async ({ page }) => {
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await loginAs(page, REP.username, PASSWORD)
  await page.goto(`/crm/customers/${customerId}`)
  await page.locator('#tab-sales').click()
  await page.locator('[data-test=customer-new-quotation]').click()
  await expect(page).toHaveURL(/\/sales\/quotations\/new\?customer_id=\d+/)
  const editor = page.locator('[data-test=quote-editor]')
  await expect(editor.locator('[data-test=quotation-customer]')).toContainText(CUSTOMER)

  // A catalogue product: its SKU, name, unit and USD price are filled in.
  await pick(page, 'line-add-product', SKU, `product-option-${SKU}`)
  await expect(input(page, 'line-0-price')).toHaveValue('3.20')
  await input(page, 'line-0-quantity').fill('500')
  await expect(page.locator('[data-test=line-0-amount]')).toContainText('1,600.00')
  // A free-text line with a discount: 85.555 − 10 % = 76.9995, rounded half away from zero.
  await page.locator('[data-test=line-add-free]').click()
  await textarea(page, 'line-1-description').fill('Sample freight / 样品运费')
  await input(page, 'line-1-quantity').fill('1')
  await input(page, 'line-1-price').fill('85.555')
  await input(page, 'line-1-discount').fill('10')
  await expect(page.locator('[data-test=line-1-amount]')).toContainText('77.00')
  await expect(page.locator('[data-test=quote-total-live]')).toContainText('USD 1,677.00')
  await input(page, 'quotation-named-place').fill('Ningbo')
  await page.locator('[data-test=quotation-save]').click()

  await expect(page).toHaveURL(/\/sales\/quotations\/\d+$/)
  quotationId = Number(page.url().split('/').pop())
  await expect(page.locator('[data-test=quote-status-draft]')).toBeVisible()
  await expect(page.locator('[data-test=quotation-total]')).toContainText('1,677.00')
  await page.locator('[data-test=quotation-send]').click()
  await expect(page.locator('[data-test=quote-status-sent]').first()).toBeVisible()

  // The customer wants 600: revising the sent quotation makes revision 2; revision 1 stays readable.
  await page.locator('[data-test=quotation-revise]').click()
  await expect(page.locator('[data-test=revise-note]')).toBeVisible()
  await input(page, 'line-0-quantity').fill('600')
  await expect(page.locator('[data-test=quote-total-live]')).toContainText('USD 1,997.00')
  await page.locator('[data-test=quotation-save]').click()
  await expect(page).toHaveURL(new RegExp(`/sales/quotations/${quotationId}$`))
  await expect(page.locator('[data-test=quotation-revision]')).toContainText('2')
  await expect(page.locator('[data-test=quote-status-draft]')).toBeVisible()
  const old = page.locator('[data-test=revision-1]')
  await expect(old).toContainText('USD 1,677.00')
  await old.locator('.el-collapse-item__header').click()
  await expect(old.locator('[data-test=revision-1-body-lines]')).toContainText('500')
  await expect(page.locator('[data-test=quotation-body-lines]')).toContainText('600')

  await page.locator('[data-test=quotation-send]').click()
  await expect(page.locator('[data-test=quotation-accept]')).toBeVisible()
  await page.locator('[data-test=quotation-accept]').click()
  await confirmBox(page)
  await expect(page.locator('[data-test=quote-status-accepted]').first()).toBeVisible()

  // The order: dated two days ago (finance entered that day's rate), with the customer's PO.
  await page.locator('[data-test=quotation-create-order]').click()
  const dialog = page.locator('[data-test=create-order-dialog]')
  await typeDate(page, 'order-date', ORDER_DATE)
  await input(page, 'order-customer-ref').fill('PO-HL-7788')
  await dialog.locator('[data-test=create-order-confirm]').click()
  await expect(page).toHaveURL(/\/sales\/orders\/\d+$/)
  orderId = Number(page.url().split('/').pop())
  orderNumber = (await page.locator('[data-test=order-number]').textContent())!.trim()
  await expect(page.locator('[data-test=order-total]')).toContainText('USD 1,997.00')
  await expect(page.locator('[data-test=order-outstanding]')).toContainText('USD 1,997.00')
  await expect(page.locator('[data-test=order-rate]')).toContainText('7.1')
  await expect(page.locator('[data-test=payment-plan]')).toContainText('599.10')
  await expect(page.locator('[data-test=payment-plan]')).toContainText('1,397.90')
  // The PI: the buttons lead to the server's PDF and its print-ready HTML, made for this order.
  const pdfHref = await page.locator('[data-test=order-pi-pdf]').getAttribute('href')
  expect(pdfHref).toBe(`/api/v1/orders/${orderId}/document?format=pdf`)
  const pdf = await page.request.get(pdfHref!)
  expect(pdf.status()).toBe(200)
  expect(pdf.headers()['content-type']).toContain('application/pdf')
  expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-')
  const htmlHref = await page.locator('[data-test=order-pi-html]').getAttribute('href')
  expect(htmlHref).toBe(`/api/v1/orders/${orderId}/document?format=html`)
  const html = await (await page.request.get(htmlHref!)).text()
  expect(html).toContain(orderNumber)
  expect(html).toContain('PO-HL-7788')
  expect(html).toContain('1,997.00')
  // A rep sees no costs.
  await expect(page.locator('[data-test=order-costs]')).toHaveCount(0)

  // Entering the B/L date dates the balance: 15 days after it.
  await expect(page.locator('[data-test=plan-1-due]')).toHaveText('待定')
  await page.locator('[data-test=order-dates-edit]').click()
  await typeDate(page, 'order-bl_date', RECEIPT_2)
  await page.locator('[data-test=order-dates-save]').click()
  await expect(page.locator('[data-test=order-dates-dialog]')).toBeHidden()
  await expect(page.locator('[data-test=plan-1-due]')).not.toHaveText('待定')

  // The dunning letter names the order; it can be copied.
  await page.locator('[data-test=order-dunning]').click()
  await expect(page.locator('[data-test=dunning-subject]')).toContainText(orderNumber)
  await page.locator('[data-test=dunning-copy]').click()
  await expect(page.locator('.el-message--success', { hasText: '已复制' })).toBeVisible()
  await page.keyboard.press('Escape')

  // The customer's page lists the quotation and the open order, and what is outstanding.
  await page.goto(`/crm/customers/${customerId}?tab=sales`)
  await expect(page.locator('[data-test=customer-open-orders]')).toContainText(orderNumber)
  await expect(page.locator('[data-test=customer-outstanding]')).toContainText('USD 1,997.00')
  await expect(page.locator('[data-test=customer-quotations]')).toContainText('1,997.00')
  expect(pageErrors).toEqual([])
  await logout(page)
})

/** Finance records a receipt through the dialog and lands on its page. */
async function recordReceipt(page: Page, r: { amount: string; fee?: string; date: string; remittance?: string }) {
  await page.goto('/finance/receipts')
  await page.locator('[data-test=receipt-create]').click()
  await pick(page, 'receipt-customer', 'Harbour', `customer-option-${customerId}`)
  await input(page, 'receipt-payer').fill('HARBOUR LIGHTS TRADING LTD')
  await input(page, 'receipt-amount-amount').fill(r.amount)
  if (r.fee) await input(page, 'receipt-fee').fill(r.fee)
  await typeDate(page, 'receipt-date', r.date)
  if (r.remittance) await textarea(page, 'receipt-remittance').fill(r.remittance)
  await page.locator('[data-test=receipt-save]').click()
  await expect(page).toHaveURL(/\/finance\/receipts\/\d+$/)
}

test('finance records two receipts at different rates and confirms the proposed matching', async ({ page }) => {
  await loginAs(page, FIN.username, PASSWORD)
  // Before any money: the customer owes the whole order, not yet due.
  await page.locator('[data-test="nav-finance.receivables"]').click()
  await expect(page.locator('[data-test=aging-table]')).toContainText(CUSTOMER)
  await expect(page.locator('[data-test=aging-table]')).toContainText('USD 1,997.00')
  await page.locator('[data-test=aging-by-owner]').click()
  await expect(page.locator('[data-test=aging-table]')).toContainText(REP.display)

  // The deposit, less a bank fee, with the order number in the remittance text.
  await recordReceipt(page, { amount: '590.10', fee: '9.00', date: RECEIPT_1, remittance: `DEPOSIT ${orderNumber} PO-HL-7788` })
  await expect(page.locator('[data-test=receipt-rate]')).toContainText('7.2')
  await expect(page.locator('[data-test=proposal-0-reason]')).toHaveText('水单注明订单号')
  await expect(input(page, 'proposal-0-amount')).toHaveValue('599.10')
  await page.locator('[data-test=receipt-confirm]').click()
  await expect(page.locator('[data-test=allocation-0]')).toContainText(orderNumber)
  await expect(page.locator('[data-test=allocation-0]')).toContainText('+CNY 59.91')
  await expect(page.locator('[data-test=receipt-available]')).toContainText('USD 0.00')

  // The balance, at the next day's rate: its amount settles the balance instalment.
  await recordReceipt(page, { amount: '1397.90', date: RECEIPT_2 })
  await expect(page.locator('[data-test=receipt-rate]')).toContainText('7.25')
  await expect(page.locator('[data-test=proposal-0-reason]')).toHaveText('金额吻合')
  await page.locator('[data-test=receipt-confirm]').click()
  await expect(page.locator('[data-test=allocation-0]')).toContainText('+CNY 209.69')

  await page.goto(`/sales/orders/${orderId}`)
  await expect(page.locator('[data-test=order-received]')).toContainText('USD 1,997.00')
  await expect(page.locator('[data-test=order-outstanding]')).toContainText('USD 0.00')
  await expect(page.locator('[data-test=order-fx]')).toContainText('+CNY 269.60')
  await expect(page.locator('[data-test=order-receipts]')).toContainText('7.25')
  // Finance reads orders but does not change them: no costs editor, no status menu.
  await expect(page.locator('[data-test=order-costs]')).toBeVisible()
  await expect(page.locator('[data-test=order-costs-edit]')).toHaveCount(0)
  await logout(page)
})

test('a merchandiser adds the freight bill and sees revenue and costs, but no profit', async ({ page }) => {
  await loginAs(page, MERCH.username, PASSWORD)
  await page.goto(`/sales/orders/${orderId}`)
  await expect(page.locator('[data-test=order-total]')).toContainText('USD 1,997.00')
  await page.locator('[data-test=order-costs-edit]').click()
  await page.locator('[data-test=charges-add]').click()
  await input(page, 'charges-0-amount').fill('800')
  await page.locator('[data-test=charges-save]').click()
  await expect(page.locator('[data-test=charges-dialog]')).toBeHidden()
  await expect(page.locator('[data-test=order-charges]')).toContainText('CNY 800.00')
  await expect(page.locator('[data-test=profit-card]')).toContainText('收入与成本')
  await expect(page.locator('[data-test=profit-actual-costs]')).toContainText('CNY 864.80')
  await expect(page.locator('[data-test=profit-actual-profit]')).toHaveCount(0)
  await expect(page.locator('[data-test=profit-estimated-profit]')).toHaveCount(0)
  await expect(page.locator('[data-test=profit-actual-margin]')).toHaveCount(0)
  await expect(page.locator('body')).not.toContainText(ACTUAL_PROFIT)
  await expect(page.locator('body')).not.toContainText('undefined')
  await logout(page)
})

test('finance sees the profit; the rep sees the same actual profit but no costs', async ({ page }) => {
  await loginAs(page, FIN.username, PASSWORD)
  await page.goto(`/sales/orders/${orderId}`)
  await expect(page.locator('[data-test=profit-actual-revenue]')).toContainText('CNY 14,178.70')
  await expect(page.locator('[data-test=profit-actual-costs]')).toContainText('CNY 864.80')
  await expect(page.locator('[data-test=profit-actual-fx]')).toContainText('+CNY 269.60')
  await expect(page.locator('[data-test=profit-actual-profit]')).toContainText(ACTUAL_PROFIT)
  await expect(page.locator('[data-test=profit-actual-margin]')).toContainText('95.8%')
  await expect(page.locator('[data-test=profit-estimated-costs]')).toContainText('CNY 8,880.00')
  await logout(page)

  await loginAs(page, REP.username, PASSWORD)
  await page.goto(`/sales/orders/${orderId}`)
  await expect(page.locator('[data-test=order-outstanding]')).toContainText('USD 0.00')
  await expect(page.locator('[data-test=profit-actual-profit]')).toContainText(ACTUAL_PROFIT)
  await expect(page.locator('[data-test=profit-actual-costs]')).toHaveCount(0)
  await expect(page.locator('[data-test=order-costs]')).toHaveCount(0)
  await expect(page.locator('body')).not.toContainText('8,880.00')
  await expect(page.locator('body')).not.toContainText('undefined')
  await logout(page)
})

test('screenshots of quotations, orders, matching and aging @screenshots', async ({ page, baseURL }) => {
  const out = `${process.cwd()}/../docs/screenshots/`
  mkdirSync(out, { recursive: true })
  // Something left to match: a second order of the customer and a receipt for part of it.
  const headers = { origin: baseURL! }
  await page.request.post('/api/v1/auth/login', { headers, data: { username: REP.username, password: PASSWORD } })
  const q = await (
    await page.request.post('/api/v1/quotations', {
      headers,
      data: { customer_id: customerId, currency: 'USD', incoterm: 'FOB', named_place: 'Ningbo', lines: [{ description: 'LED panel light 600×600, 40 W', quantity: '1200', unit_price: '6.85' }], payment_terms_id: 1 },
    })
  ).json()
  for (const step of ['send', 'accept']) {
    const cur = await (await page.request.get(`/api/v1/quotations/${q.id}`)).json()
    expect((await page.request.post(`/api/v1/quotations/${q.id}/steps`, { headers, data: { step, version: cur.version } })).ok()).toBe(true)
  }
  const order2 = await (await page.request.post(`/api/v1/quotations/${q.id}/order`, { headers, data: { order_date: RECEIPT_1, customer_ref: 'PO-HL-7790' } })).json()
  // A draft to show in the editor: a catalogue product and a free-text line.
  const product = (await (await page.request.get(`/api/v1/products?q=${SKU}`)).json()).items[0]
  const draft = await (
    await page.request.post('/api/v1/quotations', {
      headers,
      data: {
        customer_id: customerId,
        currency: 'USD',
        incoterm: 'CIF',
        named_place: 'Felixstowe',
        delivery: '35 days after deposit',
        payment_terms_id: 1,
        lang: 'both',
        lines: [
          { product_id: product.id, quantity: '800' },
          { description: 'Sample freight / 样品运费', quantity: '1', unit_price: '85.555', discount_percent: '10' },
        ],
      },
    })
  ).json()
  await page.request.post('/api/v1/auth/logout', { headers })
  await page.request.post('/api/v1/auth/login', { headers, data: { username: FIN.username, password: PASSWORD } })
  const receipt = await (
    await page.request.post('/api/v1/receipts', {
      headers,
      data: { customer_id: customerId, kind: 'payment', payer: 'HARBOUR LIGHTS TRADING LTD', amount: { amount: '2466.00', currency: 'USD' }, bank_fee: '20.00', date: RECEIPT_2, remittance: `TT ${order2.number}` },
    })
  ).json()
  await page.request.post('/api/v1/auth/logout', { headers })

  const shots: { name: string; user: string; path: string; ready: string; prepare?: (p: Page) => Promise<void> }[] = [
    {
      name: 'quotation-editor',
      user: REP.username,
      path: `/sales/quotations/${draft.id}/edit`,
      ready: '[data-test=line-1-amount]',
      prepare: async (p) => {
        // An unsaved change, so the live total shows.
        await input(p, 'line-0-quantity').fill('640')
        await textarea(p, 'quotation-remarks').fill('Samples shipped with the first container.')
      },
    },
    { name: 'order', user: FIN.username, path: `/sales/orders/${orderId}`, ready: '[data-test=profit-card]' },
    { name: 'receipt-matching', user: FIN.username, path: `/finance/receipts/${receipt.id}`, ready: '[data-test=proposal-0]' },
    { name: 'aging', user: FIN.username, path: '/finance/receivables', ready: '[data-test=aging-chart] canvas' },
  ]
  for (const lang of ['zh-CN', 'en'] as const) {
    for (const [size, width, height] of [['desktop', 1440, 900], ['phone', 390, 844]] as const) {
      await page.setViewportSize({ width, height })
      for (const s of shots) {
        await page.request.post('/api/v1/auth/login', { headers, data: { username: s.user, password: PASSWORD } })
        await page.request.patch('/api/v1/me', { headers, data: { language: lang } })
        await page.goto(s.path)
        await expect(page.locator(s.ready).first()).toBeVisible()
        if (s.prepare) await s.prepare(page)
        await page.waitForTimeout(300)
        await page.screenshot({ path: `${out}sales-${s.name}-${size}-${lang === 'zh-CN' ? 'zh' : 'en'}.png`, fullPage: true })
      }
    }
  }
  for (const u of [REP.username, FIN.username]) {
    await page.request.post('/api/v1/auth/login', { headers, data: { username: u, password: PASSWORD } })
    await page.request.patch('/api/v1/me', { headers, data: { language: 'zh-CN' } })
  }
})
